{
  "name": "__ID__",
  "version": "__VERSION__",
  "private": true,
  "type": "module",
  "description": "A Sluice gateway plugin (runs in the gateway's sandbox).",
  "scripts": {
    "test": "vitest run",
    "typecheck": "tsc -p tsconfig.json",
    "build": "sluice plugin build .",
    "package": "sluice plugin pack .",
    "verify": "sluice plugin verify ."
  },
  "devDependencies": {
    "typescript": "^5.9.3",
    "vitest": "^4.1.0"
  }
}

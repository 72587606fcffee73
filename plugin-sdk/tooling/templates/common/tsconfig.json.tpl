{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "lib": ["ES2022", "DOM"],
    "types": [],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "resolveJsonModule": true,
    "verbatimModuleSyntax": true,
    "paths": {
      "@sluice/plugin-sdk": ["__SDK_DIR__/index__SDK_EXT__"],
      "@sluice/plugin-sdk/testing": ["__SDK_DIR__/testing__SDK_EXT__"]
    }
  },
  "include": ["src", "test"]
}

{
  "id": "__ID__",
  "version": "__VERSION__",
  "apiVersion": "__API_VERSION__",
  "description": "Resolves os.environ/NAME references from an HTTP secret store (secret resolver __RESOLVER_NAME__).",
  "capabilities": ["log", "now", "http", "secrets", "secret-resolvers"],
  "provides": { "secretResolver": true }
}

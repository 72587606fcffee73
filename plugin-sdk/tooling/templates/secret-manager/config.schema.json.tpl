{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "__CONFIG_TITLE__",
  "description": "The secret store __ID__ reads. Its host must be granted in `grants.http`, the token's name in `grants.secrets`.",
  "type": "object",
  "properties": {
    "base_url": {
      "description": "Base URL of the store; a secret NAME is read from `<base_url>/v1/secrets/NAME` as `{\"value\": \"...\"}`.",
      "type": "string",
      "format": "uri"
    },
    "token_secret": {
      "description": "Name of the secret (read with ctx.secrets.get, so it must be granted) holding the store's bearer token.",
      "type": "string",
      "minLength": 1,
      "default": "__ERROR_PREFIX___TOKEN"
    },
    "cache_ttl_ms": {
      "description": "How long a resolved value is reused before the store is asked again, in milliseconds.",
      "type": "integer",
      "minimum": 0,
      "default": 60000
    }
  },
  "required": ["base_url"],
  "additionalProperties": false
}

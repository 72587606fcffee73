{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "__CONFIG_TITLE__",
  "description": "Where __ID__ sends its records. The endpoint's host must be granted in `grants.http`.",
  "type": "object",
  "properties": {
    "endpoint": {
      "description": "URL that receives one POST with a JSON record per call.",
      "type": "string",
      "format": "uri"
    },
    "api_key": {
      "description": "Sent as `Authorization: Bearer <api_key>`. Write `os.environ/NAME` to read it from the environment.",
      "type": "string",
      "x-secret": true
    },
    "include_metadata": {
      "description": "Also send the request's metadata (may contain user data).",
      "type": "boolean",
      "default": false
    }
  },
  "required": ["endpoint"],
  "additionalProperties": false
}

{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "__CONFIG_TITLE__",
  "description": "Which terms __ID__ blocks and what it does when a request mentions one.",
  "type": "object",
  "properties": {
    "blocked_terms": {
      "description": "Terms that must not appear in any message, matched case-insensitively.",
      "type": "array",
      "items": { "type": "string", "minLength": 1 },
      "default": []
    },
    "action": {
      "description": "`refuse`: deny the request with a 400 verdict. `redact`: replace the term and let the request through.",
      "type": "string",
      "enum": ["refuse", "redact"],
      "default": "refuse"
    },
    "replacement": {
      "description": "Text that replaces a blocked term when `action` is `redact`.",
      "type": "string",
      "default": "[blocked]"
    }
  },
  "additionalProperties": false
}

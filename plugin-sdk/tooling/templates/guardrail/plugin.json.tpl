{
  "id": "__ID__",
  "version": "__VERSION__",
  "apiVersion": "__API_VERSION__",
  "description": "Refuses (or redacts) chat requests whose messages mention a blocked term.",
  "hooks": { "preCall": { "stage": "GUARDRAIL", "timeoutMs": 50 } },
  "failurePolicy": { "preCall": "fail-closed" },
  "capabilities": ["log"]
}

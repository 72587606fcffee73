{
  "id": "__ID__",
  "version": "__VERSION__",
  "apiVersion": "__API_VERSION__",
  "description": "Sends one JSON record per call (model, tokens, cost, latency) to an HTTP endpoint.",
  "hooks": { "onSpend": { "stage": "OBSERVE", "timeoutMs": 2000 } },
  "failurePolicy": { "onSpend": "fail-open" },
  "capabilities": ["log", "now", "http"]
}

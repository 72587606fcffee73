Hook: `onSpend` at stage `OBSERVE`, fail-open (a failed post is counted, the client never notices).
After every call it POSTs one JSON record (request id, model, tokens, cost, latency, tags) to
`endpoint`.

## Use it

```yaml
plugins:
  - use: ./vendor/__ID__-__VERSION__.tgz
    sha256: <printed by sluice plugin pack>
    config:
      endpoint: https://logs.acme.example/v1/records
      api_key: os.environ/ACME_LOGS_KEY
    sandbox: { memory_mb: 32, timeout_ms: 2000 }
    grants: { http: ["logs.acme.example:443"] }
```

| setting | default | meaning |
|---|---|---|
| `endpoint` | (required) | URL that receives the records |
| `api_key` | none | sent as `Authorization: Bearer …` (a secret: redacted from logs) |
| `include_metadata` | `false` | also send the request's metadata |

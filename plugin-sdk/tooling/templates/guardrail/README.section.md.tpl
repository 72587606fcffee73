Hook: `preCall` at stage `GUARDRAIL`, fail-closed (if the plugin crashes, the request is refused
with a 500 naming it). A request that mentions a blocked term is refused with a 400
(`__ERROR_PREFIX___BLOCKED`), or has the term replaced when `action: redact`.

## Use it

```yaml
plugins:
  - use: ./vendor/__ID__-__VERSION__.tgz
    sha256: <printed by sluice plugin pack>
    config:
      blocked_terms: ["project falcon"]
      action: refuse            # or redact
    sandbox: { memory_mb: 32, timeout_ms: 50 }
```

| setting | default | meaning |
|---|---|---|
| `blocked_terms` | `[]` | terms that must not appear in any message (case-insensitive) |
| `action` | `refuse` | `refuse` with a 400, or `redact` and let the request through |
| `replacement` | `[blocked]` | what replaces a term when redacting |

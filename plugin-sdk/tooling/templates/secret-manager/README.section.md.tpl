A secret resolver named `__RESOLVER_NAME__`: the gateway asks it for `os.environ/NAME` references.
It reads `<base_url>/v1/secrets/NAME` (an answer `{"value": "..."}`, 404 when absent) with the
bearer token held in the secret `token_secret`, and caches values for `cache_ttl_ms`.

## Use it

```yaml
plugins:
  - use: ./vendor/__ID__-__VERSION__.tgz
    sha256: <printed by sluice plugin pack>
    config:
      base_url: https://vault.acme.example
    sandbox: { memory_mb: 32, timeout_ms: 2000 }
    grants: { http: ["vault.acme.example:443"], secrets: ["__ERROR_PREFIX___TOKEN"], secret_resolver: ["OPENAI_API_KEY"] }
```

The gateway asks it only for the names listed in `grants.secret_resolver`; every other
`os.environ/` reference (the master key included, unless listed) is read from the environment.

| setting | default | meaning |
|---|---|---|
| `base_url` | (required) | the store's base URL |
| `token_secret` | `__ERROR_PREFIX___TOKEN` | name of the (granted) secret holding the store's token |
| `cache_ttl_ms` | `60000` | how long a value is reused |

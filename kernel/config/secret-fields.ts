/** Values of the fields a JSON Schema marks `x-secret: true`, so the logger can scrub them. */
interface SchemaNode {
  'x-secret'?: boolean;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
}

export function secretValues(schema: object | undefined, value: unknown, out: string[] = []): string[] {
  const node = schema as SchemaNode | undefined;
  if (!node || value === undefined || value === null) return out;
  if (node['x-secret'] && typeof value === 'string') out.push(value);
  if (Array.isArray(value) && node.items) for (const item of value) secretValues(node.items, item, out);
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const child = node.properties?.[key] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (child) secretValues(child, v, out);
    }
  }
  return out;
}

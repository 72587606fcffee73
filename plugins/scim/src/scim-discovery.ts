/**
 * The discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas, and the
 * base path, which LiteLLM answers with the resource types. The schemas are LiteLLM's
 * (`_get_schemas`); the service provider config says what this server does (filter: yes, `eq`
 * with `and`; LiteLLM says no while it filters), and the bearer token scheme.
 */
import type { RouteDefinition } from '@sluice/plugin-sdk';
import type { Json } from './management.js';
import { ScimErrors } from './scim-errors.js';
import { GROUP_SCHEMA, listResponse, USER_SCHEMA, type Location } from './scim-resources.js';
import { param, scimRoute, type ScimDeps } from './scim-route.js';

const attr = (name: string, type: string, description: string, extra: Json = {}): Json => ({
  name,
  type,
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const subs = (...names: Array<[string, string, string]>) => names.map(([n, t, d]) => attr(n, t, d));

const SCHEMAS: Json[] = [
  {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: USER_SCHEMA,
    name: 'User',
    description: 'User Account',
    attributes: [
      attr('userName', 'string', 'Unique identifier for the User.', { required: true, uniqueness: 'server' }),
      attr('name', 'complex', "The components of the user's real name.", {
        subAttributes: subs(['givenName', 'string', 'The given name of the User.'], ['familyName', 'string', 'The family name of the User.'], ['formatted', 'string', 'The full name.']),
      }),
      attr('displayName', 'string', 'The name of the User, suitable for display.'),
      attr('emails', 'complex', 'Email addresses for the user.', {
        multiValued: true,
        subAttributes: subs(['value', 'string', 'Email address value.'], ['type', 'string', 'Type of email (work, home, etc.).'], ['primary', 'boolean', 'Whether this is the primary email.']),
      }),
      attr('active', 'boolean', 'Whether the user account is active. false blocks every key of the user.'),
      attr('externalId', 'string', "The identity provider's id of the user (sso_user_id).", { caseExact: true }),
      attr('groups', 'complex', 'Groups to which the user belongs.', {
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: subs(['value', 'string', 'Group identifier.'], ['display', 'string', 'Group display name.']),
      }),
      attr('entitlements', 'complex', 'A list of entitlements for the user.', {
        multiValued: true,
        subAttributes: subs(['value', 'string', 'The value of an entitlement.'], ['display', 'string', 'A human-readable name for the entitlement.'], ['type', 'string', "A label indicating the entitlement's function."], ['primary', 'boolean', 'Whether this is the primary entitlement.']),
      }),
      attr('roles', 'complex', 'A list of roles for the user.', {
        multiValued: true,
        subAttributes: subs(['value', 'string', 'The value of a role.'], ['display', 'string', 'A human-readable name for the role.'], ['type', 'string', "A label indicating the role's function."], ['primary', 'boolean', 'Whether this is the primary role.']),
      }),
    ],
    meta: { resourceType: 'Schema', location: `/scim/v2/Schemas/${USER_SCHEMA}` },
  },
  {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: GROUP_SCHEMA,
    name: 'Group',
    description: 'Group',
    attributes: [
      attr('displayName', 'string', 'A human-readable name for the Group.', { required: true }),
      attr('members', 'complex', 'A list of members of the Group.', {
        multiValued: true,
        subAttributes: subs(
          ['value', 'string', 'Member identifier.'],
          ['display', 'string', 'Member display name.'],
          ['type', 'string', 'The type of member; canonical values are "User" and "Group". Only members of type User are honored, teams contain users only.'],
        ),
      }),
    ],
    meta: { resourceType: 'Schema', location: `/scim/v2/Schemas/${GROUP_SCHEMA}` },
  },
];

function resourceTypes(at: Location): Json[] {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', description: 'User Account', endpoint: '/Users', schema: USER_SCHEMA, meta: { location: `${at.base}/ResourceTypes/User`, resourceType: 'ResourceType' } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', description: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, meta: { location: `${at.base}/ResourceTypes/Group`, resourceType: 'ResourceType' } },
  ];
}

export function discoveryRoutes(deps: ScimDeps): RouteDefinition[] {
  const maxResults = deps.config.max_count ?? 100;
  return [
    scimRoute(deps, 'GET', '', 'SCIM resource discovery (the resource types)', async ({ at }) => {
      const types = resourceTypes(at);
      return { body: listResponse(types, types.length, 1) };
    }),
    scimRoute(deps, 'GET', '/ServiceProviderConfig', 'What this SCIM server supports', async ({ at }) => ({
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
        filter: { supported: true, maxResults },
        changePassword: { supported: false },
        sort: { supported: false },
        etag: { supported: false },
        authenticationSchemes: [
          { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'A virtual key (sk-...) of a proxy admin, or one with allowed_routes ["/scim/*"] created by a proxy admin.', primary: true },
        ],
        meta: { resourceType: 'ServiceProviderConfig', location: `${at.base}/ServiceProviderConfig` },
      },
    })),
    scimRoute(deps, 'GET', '/ResourceTypes', 'The resource types', async ({ at }) => {
      const types = resourceTypes(at);
      return { body: listResponse(types, types.length, 1) };
    }),
    scimRoute(deps, 'GET', '/ResourceTypes/:id', 'One resource type', async ({ req, at }) => {
      const id = param(req, 'id');
      const found = resourceTypes(at).find((t) => t.id === id);
      if (!found) throw ScimErrors.NOT_FOUND({ what: 'ResourceType', id });
      return { body: found };
    }),
    scimRoute(deps, 'GET', '/Schemas', 'The schemas', async () => ({ body: listResponse(SCHEMAS, SCHEMAS.length, 1) })),
    scimRoute(deps, 'GET', '/Schemas/:id', 'One schema', async ({ req }) => {
      const id = param(req, 'id');
      const found = SCHEMAS.find((s) => s.id === id);
      if (!found) throw ScimErrors.NOT_FOUND({ what: 'Schema', id });
      return { body: found };
    }),
  ];
}

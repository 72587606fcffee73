/**
 * Identities proven by something other than a virtual key (a JWT, an SSO session): the plugin that
 * owns users, teams and organizations (governance-tenancy) turns them into a Principal, so spend,
 * limits, budgets and model access attach to the mapped user, team, organization and end user
 * exactly as they do for a virtual key of that user and team.
 */
import type { Principal, Role } from './hook-contexts.js';

export interface ExternalIdentity {
  /** The plugin that verified the identity (`auth-jwt`): the Principal's `authenticatedBy`. */
  authenticatedBy: string;
  /** Stable id of the credential, never a secret (`jwt:<iss>#<sub>`): the Principal's `id`. */
  id: string;
  /** Default: the user's stored role, else `internal_user`. A role given here wins (JWT role mappings). */
  role?: Role;
  userId?: string;
  userEmail?: string;
  /** The team the call is billed to and limited by. */
  teamId?: string;
  organizationId?: string;
  /** The end user (LiteLLM's customer) the call is made for: its budget and limits apply. */
  endUserId?: string;
  /** Create the user on first sight (LiteLLM `user_id_upsert`), with `userEmail` and `newUser` fields. */
  upsertUser?: boolean;
  /** Create the team on first sight (LiteLLM `team_id_upsert`). */
  upsertTeam?: boolean;
  /** Fields for a user created here (LiteLLM `default_internal_user_params`: `user_role`, `max_budget`, `models`…). */
  newUser?: Record<string, unknown>;
  /** Models the identity may call on top of what its team/user allow narrowing (absent: no narrowing). */
  models?: readonly string[];
  metadata?: Record<string, unknown>;
}

export interface IdentityDirectory {
  /**
   * The Principal of an identity: the user's, team's, organization's and end user's limit scopes,
   * models and role. Cached briefly and invalidated with the records (so a blocked team or a
   * changed budget applies everywhere within a second). Throws a `SluiceError` verdict when the
   * identity may not call (a blocked team, a team or user that does not exist and may not be
   * created: LiteLLM's messages).
   */
  principalFor(identity: ExternalIdentity): Promise<Principal>;
}

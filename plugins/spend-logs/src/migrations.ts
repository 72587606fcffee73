import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

export const LOG_TABLE = 'sluice_spend_logs';
/** Daily totals by (day, api_key, user, team, org, project, end_user, model, provider). */
export const DAILY_TABLE = 'sluice_spend_daily';
/** Daily totals by tag (with key, user, team, org and model, so viewers see only their share). */
export const DAILY_TAG_TABLE = 'sluice_spend_daily_tags';

/** Rollup dimensions. Stored as '' rather than NULL: NULLs never conflict, and the upsert needs them to. */
export const DAILY_KEYS = ['day', 'api_key', 'user_id', 'team_id', 'organization_id', 'project_id', 'end_user', 'model', 'custom_llm_provider'] as const;
export const DAILY_TAG_KEYS = ['day', 'tag', 'api_key', 'user_id', 'team_id', 'organization_id', 'model'] as const;

function totals(t: Knex.CreateTableBuilder): void {
  t.double('spend').notNullable().defaultTo(0);
  t.bigInteger('prompt_tokens').notNullable().defaultTo(0);
  t.bigInteger('completion_tokens').notNullable().defaultTo(0);
  t.bigInteger('total_tokens').notNullable().defaultTo(0);
  t.bigInteger('api_requests').notNullable().defaultTo(0);
  t.bigInteger('successful_requests').notNullable().defaultTo(0);
  t.bigInteger('failed_requests').notNullable().defaultTo(0);
}

/*
 * Times are epoch ms in bigint columns and JSON is text, so SQLite and Postgres store and compare
 * them identically. Column names follow LiteLLM_SpendLogs except `user` (reserved in SQL) and the
 * times, which the API renames back.
 */
const MIGRATION_0001_SPEND: PluginMigration = {
  name: '0001_spend_logs',
  async up(knex: Knex) {
    await knex.schema.createTable(LOG_TABLE, (t) => {
      t.string('request_id', 255).primary();
      t.string('call_type', 64).notNullable();
      t.string('api_key', 255).notNullable().defaultTo('');
      t.string('key_alias', 255).nullable();
      t.string('user_id', 255).nullable();
      t.string('team_id', 255).nullable();
      t.string('organization_id', 255).nullable();
      t.string('project_id', 255).nullable();
      t.string('end_user', 255).nullable();
      t.string('model', 255).notNullable().defaultTo('');
      t.string('model_group', 255).notNullable().defaultTo('');
      t.string('model_id', 255).nullable();
      t.string('custom_llm_provider', 64).nullable();
      t.text('api_base').nullable();
      t.bigInteger('prompt_tokens').notNullable().defaultTo(0);
      t.bigInteger('completion_tokens').notNullable().defaultTo(0);
      t.bigInteger('total_tokens').notNullable().defaultTo(0);
      t.double('spend').notNullable().defaultTo(0);
      t.text('request_tags').notNullable();
      t.string('status', 16).notNullable();
      t.integer('http_status').notNullable();
      t.string('error_code', 128).nullable();
      t.bigInteger('start_time').notNullable();
      t.bigInteger('end_time').notNullable();
      t.bigInteger('request_duration_ms').notNullable();
      t.text('metadata').notNullable();
      t.index(['start_time'], 'sluice_spend_logs_start_time_idx');
      t.index(['api_key', 'start_time'], 'sluice_spend_logs_api_key_idx');
      t.index(['user_id', 'start_time'], 'sluice_spend_logs_user_idx');
      t.index(['team_id', 'start_time'], 'sluice_spend_logs_team_idx');
      t.index(['end_user'], 'sluice_spend_logs_end_user_idx');
    });
    await knex.schema.createTable(DAILY_TABLE, (t) => {
      t.string('day', 10).notNullable();
      t.string('api_key', 255).notNullable();
      t.string('user_id', 255).notNullable();
      t.string('team_id', 255).notNullable();
      t.string('organization_id', 255).notNullable();
      t.string('project_id', 255).notNullable();
      t.string('end_user', 255).notNullable();
      t.string('model', 255).notNullable();
      t.string('custom_llm_provider', 64).notNullable();
      totals(t);
      t.unique([...DAILY_KEYS], { indexName: 'sluice_spend_daily_key' });
    });
    await knex.schema.createTable(DAILY_TAG_TABLE, (t) => {
      t.string('day', 10).notNullable();
      t.string('tag', 255).notNullable();
      t.string('api_key', 255).notNullable();
      t.string('user_id', 255).notNullable();
      t.string('team_id', 255).notNullable();
      t.string('organization_id', 255).notNullable();
      t.string('model', 255).notNullable();
      totals(t);
      t.unique([...DAILY_TAG_KEYS], { indexName: 'sluice_spend_daily_tags_key' });
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(DAILY_TAG_TABLE);
    await knex.schema.dropTableIfExists(DAILY_TABLE);
    await knex.schema.dropTableIfExists(LOG_TABLE);
  },
};

/**
 * LiteLLM keys a log row by the provider's response id (the `chatcmpl-…` the client got back):
 * `response_id`, indexed, answers `request_id` filters while `request_id` stays the gateway's own
 * (unique) id, which keeps the idempotent insert exact when a provider repeats ids. Also the
 * cache columns LiteLLM shows (`cache_hit`, `cache_key`) and `session_id`.
 */
const MIGRATION_0002_LITELLM_FIELDS: PluginMigration = {
  name: '0002_litellm_fields',
  async up(knex: Knex) {
    await knex.schema.alterTable(LOG_TABLE, (t) => {
      t.string('response_id', 255).nullable();
      t.string('cache_hit', 8).notNullable().defaultTo('');
      t.text('cache_key').nullable();
      t.string('session_id', 255).nullable();
      t.index(['response_id'], 'sluice_spend_logs_response_id_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.alterTable(LOG_TABLE, (t) => {
      t.dropIndex(['response_id'], 'sluice_spend_logs_response_id_idx');
      for (const c of ['response_id', 'cache_hit', 'cache_key', 'session_id']) t.dropColumn(c);
    });
  },
};

/**
 * More of LiteLLM_SpendLogs: the client's address, the time of a stream's first chunk, and (with
 * `store_prompts_in_spend_logs`) the request's messages, the request body and the response.
 */
const MIGRATION_0003_PROMPT_FIELDS: PluginMigration = {
  name: '0003_prompt_fields',
  async up(knex: Knex) {
    await knex.schema.alterTable(LOG_TABLE, (t) => {
      t.string('requester_ip_address', 64).nullable();
      t.bigInteger('completion_start_time').nullable();
      t.text('messages').nullable();
      t.text('response').nullable();
      t.text('proxy_server_request').nullable();
    });
  },
  async down(knex: Knex) {
    await knex.schema.alterTable(LOG_TABLE, (t) => {
      for (const c of ['requester_ip_address', 'completion_start_time', 'messages', 'response', 'proxy_server_request']) t.dropColumn(c);
    });
  },
};

/** Append new migrations; never reorder. */
export const MIGRATIONS: PluginMigration[] = [MIGRATION_0001_SPEND, MIGRATION_0002_LITELLM_FIELDS, MIGRATION_0003_PROMPT_FIELDS];

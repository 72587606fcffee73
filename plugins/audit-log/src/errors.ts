import { definePluginErrors } from '@sluice/plugin-sdk';

export const AuditErrors = definePluginErrors('AUDIT_LOG', {
  NOT_FOUND: { status: 404, type: 'not_found_error', param: 'id', message: 'Audit log with ID {id} not found' },
  INVALID_PARAM: { status: 400, type: 'bad_request_error', message: "Invalid '{param}': {reason}" },
});

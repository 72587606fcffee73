import { definePluginErrors } from '@sluice/plugin-sdk';

export const SpendErrors = definePluginErrors('SPEND_LOGS', {
  DATES_REQUIRED: { status: 400, type: 'bad_request_error', param: 'None', message: 'Please provide start_date and end_date' },
  INVALID_DATE: {
    status: 400,
    type: 'bad_request_error',
    message: 'Invalid {param}: {value}. Expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC) or an ISO 8601 time.',
  },
  INVALID_PARAM: { status: 400, type: 'bad_request_error', message: "Invalid '{param}': {reason}" },
  NO_IDENTITY: {
    status: 403,
    type: 'auth_error',
    message: 'This credential has no user, team, organization or key to scope spend to; ask a proxy admin.',
  },
});

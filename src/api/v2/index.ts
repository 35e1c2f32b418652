// The v2 HTTP API (/v2/keys, /v2/members, /v2/stats, /v2/machines) over a V2Member.
export { handleV2 } from './handler.js';
export { MembershipError, MEMBERSHIP_ERROR_MESSAGES, type MembershipErrorKind, type V2Member, type V2MemberInfo } from './types.js';

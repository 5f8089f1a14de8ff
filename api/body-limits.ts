// How large a request body may be: the API's own JSON routes are small; a provider's webhook batch and a history's
// payloads sent by the Temporal UI to the codec are not.
export const API_BODY_LIMIT = 64 * 1024;
export const LARGE_BODY_LIMIT = 1024 * 1024;

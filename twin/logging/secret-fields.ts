/**
 * Fields that may hold a key, a token or personal data: no log line carries them. The request
 * logger removes them, and a pretty-printed line drops them too, whoever wrote the line.
 */
export const SECRET_FIELDS: readonly string[] = ['headers', 'query', 'body', 'key', 'token'];

import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, ServiceUnavailableError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { currentRequestScope } from '../shared/request-scope';
import { isUnavailable } from '../shared/unit-of-work';

// Apollo's message for a variable that does not fit its type names the input path: `at "input.dateAgreed"`.
const VARIABLE_PATH = /^Variable "\$([^"]+)" got invalid value .*? at "([^"]+)"/s;
const VARIABLE_NAME = /^Variable "\$([^"]+)"/;
const TOKEN_LIMIT = /contains more (?:than|that) (\d+) tokens/;

/**
 * Shapes every error for the caller: known codes pass with `extensions.field`
 * where an input is to blame; anything unexpected is logged with the request
 * id and answered with a generic message.
 */
export const formatError =
  (logger: Logger) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const requestId = currentRequestScope()?.requestId;
    if (code === ErrorCode.BAD_USER_INPUT && formatted.extensions?.field === undefined) {
      const match = VARIABLE_PATH.exec(formatted.message) ?? VARIABLE_NAME.exec(formatted.message);
      if (match) return { ...formatted, extensions: { ...formatted.extensions, field: match[2] ?? match[1] } };
    }
    if (code === 'GRAPHQL_VALIDATION_FAILED' && formatted.extensions?.limit) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.QUERY_LIMIT_EXCEEDED } };
    }
    // A literal the Date (or another) scalar refused is a bad input, not a malformed query: the scalar's
    // own error is the original one (for other validation errors Apollo keeps the GraphQLError itself).
    if (code === 'GRAPHQL_VALIDATION_FAILED' && error instanceof GraphQLError && error.originalError && !(error.originalError instanceof GraphQLError)) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
    }
    // graphql-js words the token limit as a syntax error ("more that 5000 tokens"); it is a limit like the others.
    const tokens = code === 'GRAPHQL_PARSE_FAILED' ? TOKEN_LIMIT.exec(formatted.message) : null;
    if (tokens) {
      const max = Number(tokens[1]);
      return {
        ...formatted,
        message: `The document contains more than ${max} tokens, the limit: send a smaller one.`,
        extensions: { ...formatted.extensions, code: ErrorCode.QUERY_LIMIT_EXCEEDED, limit: 'tokens', max },
      };
    }
    if ((code === ErrorCode.INTERNAL_SERVER_ERROR || code === undefined) && isUnavailable(unwrapResolverError(error))) {
      // The database did not answer: 503, so that the client (or a load balancer) retries.
      const unavailable = new ServiceUnavailableError();
      return { message: unavailable.message, path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
    }
    if (code === ErrorCode.INTERNAL_SERVER_ERROR || code === undefined) {
      logger.error({ err: unwrapResolverError(error), requestId, path: formatted.path }, 'unexpected error');
      return {
        message: 'Internal server error.',
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
      };
    }
    return formatted;
  };

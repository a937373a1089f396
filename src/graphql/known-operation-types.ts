import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * An operation of a type the schema has no root type for is a validation
 * error, as in graphql-js 17 (KnownOperationTypesRule). graphql-js 16 lets it
 * through to execution, which fails it with an error that has no code: an
 * INTERNAL_SERVER_ERROR. Subscriptions are served over WebSocket only, so a
 * subscription sent over HTTP is refused here too.
 */
export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription') {
      context.reportError(new GraphQLError('Subscriptions are served over WebSocket on /graphql (graphql-transport-ws), not over HTTP.', { nodes: node }));
    } else if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: node }));
    }
  },
});

import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * An operation of a type the schema has no root type for (this API has no
 * subscriptions) is a validation error, as in graphql-js 17
 * (KnownOperationTypesRule). graphql-js 16 lets it through to execution, which
 * fails it with an error that has no code: an INTERNAL_SERVER_ERROR.
 */
export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: node }));
    }
  },
});

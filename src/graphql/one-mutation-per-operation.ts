import { GraphQLError, Kind, type ValidationRule } from 'graphql';

/**
 * A mutation operation holds one root field. With two, the second could fail
 * after the first committed, and a failure of a non-null root field nulls the
 * whole answer: the client would believe nothing happened. Many acceptances go
 * in one bulk mutation instead (confirmCustomerAcceptances, attestCustomerAcceptances).
 */
export const oneMutationPerOperation: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'mutation') return;
    const fields = node.selectionSet.selections;
    if (fields.length > 1 || fields.some((selection) => selection.kind !== Kind.FIELD)) {
      context.reportError(
        new GraphQLError(
          'A mutation operation may hold one field, so that each write gets its own answer: send one request per mutation, ' +
            'or use confirmCustomerAcceptances / attestCustomerAcceptances for many acceptances.',
          { nodes: node },
        ),
      );
    }
  },
});

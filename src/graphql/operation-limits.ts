import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { type DocumentNode, GraphQLError, Kind, type ValidationContext, type ValidationRule, visit } from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { OperationLimits } from '../config';
import { ErrorCode } from '../shared/errors';
import { MAX_PAGE_SIZE } from '../shared/pagination';

/**
 * The cost of a field: itself plus its selection, multiplied by the page size
 * it asks for (`first`) or the items it sends (`inputs`), so that
 * `customers(first: 500) { nodes { acceptances(first: 500) { ... } } }` costs
 * 500 x 500 x its fields. A page size over the largest costs what the largest
 * does: the page size check refuses it then, 501 and 2147483647 alike.
 */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  if (typeof args.first === 'number') return 1 + childComplexity * Math.min(Math.max(args.first, 0), MAX_PAGE_SIZE);
  if (Array.isArray(args.inputs)) return 1 + childComplexity * args.inputs.length;
  return 1 + childComplexity;
};

/**
 * A limit rule from graphql-armor whose refusal carries our code and says which limit. Its message
 * loses graphql-armor's "Syntax Error: ": the document is well-formed, only over a limit.
 */
function limited(limit: 'depth' | 'aliases', max: number, rule: (onReject: (ctx: ValidationContext | null, error: GraphQLError) => void) => ValidationRule): ValidationRule {
  return rule((ctx, error) =>
    ctx?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes, extensions: { code: ErrorCode.QUERY_LIMIT_EXCEEDED, limit, max } }),
    ),
  );
}

/** Validation rules for depth and aliases, run before anything executes. */
export const limitRules = (limits: OperationLimits): ValidationRule[] => [
  limited('depth', limits.depth, (onReject) =>
    maxDepthRule({ n: limits.depth, ignoreIntrospection: true, flattenFragments: true, exposeLimits: true, propagateOnRejection: false, onReject: [onReject] }),
  ),
  limited('aliases', limits.aliases, (onReject) =>
    maxAliasesRule({ n: limits.aliases, allowList: [], exposeLimits: true, propagateOnRejection: false, onReject: [onReject] }),
  ),
];

/** The variables a document's cost depends on: those given as `first` or `inputs` (page and bulk sizes). */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if ((node.name.value === 'first' || node.name.value === 'inputs') && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names];
}

/**
 * Refuses an operation whose cost is over the limit once its variables are
 * known, before it runs. The cost of a document is computed once for each
 * operation and each set of page and bulk sizes, and remembered.
 */
export const costLimit = (limits: OperationLimits): ApolloServerPlugin => {
  const known = new WeakMap<DocumentNode, { variables: string[]; costs: Map<string, number> }>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          let entry = known.get(document);
          if (!entry) {
            entry = { variables: costVariables(document), costs: new Map() };
            known.set(document, entry);
          }
          const variables = request.variables ?? {};
          // A page size counts by its value, a bulk list by its length.
          const sizes = entry.variables.map((name) => (Array.isArray(variables[name]) ? { items: variables[name].length } : (variables[name] ?? null)));
          const key = JSON.stringify([request.operationName ?? null, ...sizes]);
          let cost = entry.costs.get(key);
          if (cost === undefined) {
            try {
              cost = getComplexity({
                schema,
                query: document,
                variables,
                operationName: request.operationName ?? undefined,
                estimators: [pageSizeEstimator],
              });
            } catch {
              return; // variables that do not fit their types: execution refuses them, naming the field
            }
            if (entry.costs.size < 100) entry.costs.set(key, cost);
          }
          if (cost > limits.cost) {
            throw new GraphQLError(`The operation costs ${cost}, more than the limit of ${limits.cost}: ask for smaller pages.`, {
              extensions: { code: ErrorCode.QUERY_LIMIT_EXCEEDED, limit: 'cost', max: limits.cost, cost, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
};

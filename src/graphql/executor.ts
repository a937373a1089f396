import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, type ExecutionResult, GraphQLError, type GraphQLSchema, printSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

/** Operations compiled so far, by their text and name; the oldest is dropped past this many. */
const COMPILED_OPERATIONS = 1000;

/**
 * graphql-jit's errors share GraphQLError's prototype without its constructor
 * (no `extensions` object, for one); Apollo formats real ones.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const real = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? {},
  });
  if (error.locations) Object.defineProperty(real, 'locations', { value: error.locations, enumerable: true });
  return real;
}

/**
 * Executes operations with graphql-jit: each operation document is compiled
 * once into a function (field resolution, argument and leaf handling
 * generated for that document), then run for every request that sends it.
 * Apollo Server still parses, validates, runs its plugins and formats errors;
 * only execution is replaced, through the executor its gateway interface
 * takes for this purpose.
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();

  const executor: GatewayExecutor = async (request) => {
    // No operation resolved (an operationName the document does not have): graphql-js says why, as it would.
    if (!request.operation) {
      return execute({ schema: request.schema, document: request.document, operationName: request.request.operationName, contextValue: request.context });
    }
    // Variables are coerced by graphql-js itself first, so that a value that does not fit its type is
    // refused as graphql-js refuses it: BAD_USER_INPUT, HTTP 400, the message naming the input path.
    const coerced = getVariableValues(request.schema, request.operation.variableDefinitions ?? [], request.request.variables ?? {});
    if (coerced.errors) {
      return {
        errors: coerced.errors.map(
          (error) => new GraphQLError(error.message, { nodes: error.nodes, originalError: error.originalError, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }),
        ),
      };
    }
    // The operation Apollo resolved (an empty operationName, say, means the document's one operation).
    const operationName = request.operation.name?.value;
    const key = `${request.queryHash}\n${operationName ?? ''}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compileQuery(request.schema, request.document, operationName);
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      query = result;
      if (compiled.size >= COMPILED_OPERATIONS) compiled.delete(compiled.keys().next().value!);
      compiled.set(key, query);
    }
    const result = (await query.query(undefined, request.context, request.request.variables ?? {})) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };

  let onLoad: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      onLoad = callback;
      return () => (onLoad = undefined);
    },
    async load() {
      onLoad?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return { executor };
    },
    async stop() {
      compiled.clear();
    },
  };
}

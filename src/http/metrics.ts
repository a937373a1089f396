import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { statementsSent } from '../shared/statement-counter';
import type { Database } from '../shared/unit-of-work';

const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics of one server: requests by route and status, GraphQL
 * operations by root field and outcome code, latencies, units of work,
 * SQL statements, and Node's own (event-loop lag, memory, GC).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly httpDuration: Histogram<'route'>;
  private readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly operationDuration: Histogram<'operation' | 'type'>;

  constructor(db: Database) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers });
    this.httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency by route.', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    this.operations = new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by root field, operation type and outcome (OK or the first error code).',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operation latency by root field and operation type.',
      labelNames: ['operation', 'type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    new Counter({
      name: 'db_statements_total',
      help: 'SQL statements sent by this process.',
      registers,
      collect() {
        this.reset();
        this.inc(statementsSent());
      },
    });
    new Gauge({
      name: 'db_units_of_work',
      help: 'Units of work under way: reading, writing (in a transaction), and waiting for their turn (SQLite runs one at a time).',
      labelNames: ['state'],
      registers,
      collect() {
        for (const [state, units] of Object.entries(db.units)) this.set({ state }, units);
      },
    });
  }

  /** Records one HTTP request once its response is sent. */
  request(route: string, method: string, status: number, seconds: number): void {
    this.httpRequests.inc({ route, method, status: String(status) });
    this.httpDuration.observe({ route }, seconds);
  }

  /** The Apollo plugin that records operations: one sample per root field, so label values stay those of the schema. */
  plugin(): ApolloServerPlugin {
    const { operations, operationDuration } = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        let operation: OperationDefinitionNode | undefined;
        return {
          async didResolveOperation({ operation: resolved }) {
            operation = resolved;
          },
          async willSendResponse({ response }) {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            const outcome = errors?.length ? String(errors[0].extensions?.code ?? 'ERROR') : 'OK';
            const type = operation?.operation ?? 'unknown';
            const fields = operation?.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) ?? [];
            for (const field of fields.length ? [...new Set(fields)] : ['(none)']) {
              operations.inc({ operation: field, type, outcome });
              operationDuration.observe({ operation: field, type }, seconds);
            }
          },
        };
      },
    };
  }
}

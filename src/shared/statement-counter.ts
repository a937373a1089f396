import type { Logger, QueryRunner } from 'typeorm';
import { currentRequestScope } from './request-scope';
import { noteFailedStatement, noteStatement } from './unit-of-work';

let total = 0;
let forRequests = 0;

/** SQL statements sent by this process so far (all data sources). */
export const statementsSent = () => total;

/** Of those, the ones sent while serving a request (not by background work such as timers). */
export const statementsSentForRequests = () => forRequests;

/** Counts one statement sent, for the process and the request under way. */
export function countStatement(): void {
  total += 1;
  const scope = currentRequestScope();
  if (scope) {
    scope.statements += 1;
    forRequests += 1;
  }
}

/**
 * TypeORM logger that counts every statement TypeORM sends, per process and
 * per request (the benchmark and the statement-count tests read these), and
 * stays silent otherwise; and per query runner, for the unit of work.
 */
export class StatementCounter implements Logger {
  logQuery(_query: string, _parameters?: unknown[], queryRunner?: QueryRunner): void {
    countStatement();
    if (queryRunner) noteStatement(queryRunner);
  }
  /** A statement that broke its transaction (a deadlock) marks the unit of work it belongs to. */
  logQueryError(error: string | Error, _query: string, _parameters?: unknown[], queryRunner?: QueryRunner): void {
    if (queryRunner && typeof error !== 'string') noteFailedStatement(queryRunner, error);
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

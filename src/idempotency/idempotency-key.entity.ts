import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { id, instant, integer, text } from '../shared/columns';

/** The table's name: repositories reach whichever of the two entities below the data source holds by it. */
export const IDEMPOTENCY_KEYS = 'idempotency_keys';

/** A mutation request sent with an idempotency key, per partner and user: claimed while it runs, then its stored response. */
abstract class IdempotencyKeyColumns {
  @PrimaryColumn(id())
  partnerId!: string;

  @PrimaryColumn(text(128))
  userId!: string;

  @PrimaryColumn(text(255))
  idempotencyKey!: string;

  /** SHA-256 of method, path and canonical body: what makes a retry "the same request". */
  @Column(text(64))
  fingerprint!: string;

  /** The guarded operations the stored response did, comma-separated: replayed only while the caller may still do them. */
  @Column(text(255))
  operations!: string;

  @Column(text(16))
  state!: 'IN_PROGRESS' | 'COMPLETED';

  @Column(integer({ nullable: true }))
  responseStatus!: number | null;

  @Column(text(100, { nullable: true }))
  responseContentType!: string | null;

  @Column(instant())
  createdAt!: Date;

  /** A claim not completed by then is taken to be abandoned (its process stopped). */
  @Column(instant())
  leaseUntil!: Date;

  @Column(instant())
  expiresAt!: Date;
}

export type IdempotencyKey = IdempotencyKeyColumns & { responseBody: string | null };

/**
 * MySQL/MariaDB: a stored response of up to 16 MB (MEDIUMTEXT; TEXT would stop at 64 KB).
 * TypeORM knows no text type that both databases take, hence one entity per database.
 */
@Entity(IDEMPOTENCY_KEYS)
@Index('ix_idempotency_keys_expiry', ['expiresAt'])
export class MysqlIdempotencyKey extends IdempotencyKeyColumns {
  @Column({ type: 'mediumtext', charset: 'utf8mb4', collation: 'utf8mb4_bin', nullable: true })
  responseBody!: string | null;
}

/** SQLite: TEXT holds any length. */
@Entity(IDEMPOTENCY_KEYS)
@Index('ix_idempotency_keys_expiry', ['expiresAt'])
export class SqliteIdempotencyKey extends IdempotencyKeyColumns {
  @Column({ type: 'text', nullable: true })
  responseBody!: string | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { id, integer, text } from '../shared/columns';

/** The template column's value for customers without a current acceptance (a key column cannot be NULL). */
export const NO_ACCEPTANCE = '';

/**
 * How many of a partner's customers stand on each current template of a type
 * (NO_ACCEPTANCE: none), changed in the same transaction as what they count,
 * so that a list's totalCount reads a few rows however many customers a
 * partner has. Each count is split over shards by customer, so that writes for
 * different customers rarely wait for the same row; a count is the sum of its shards.
 */
@Entity('status_counts')
export class StatusCount {
  @PrimaryColumn(id())
  partnerId!: string;

  @PrimaryColumn(text(40))
  agreementType!: string;

  @PrimaryColumn(id())
  templateId!: string;

  /** Whether these customers' acceptances fall under the template's re-acceptance rule. */
  @PrimaryColumn({ type: 'boolean', default: false })
  acceptedBeforeRule!: boolean;

  @PrimaryColumn(integer())
  shard!: number;

  @Column(integer())
  customers!: number;
}

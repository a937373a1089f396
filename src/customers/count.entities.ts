import { Column, Entity, PrimaryColumn } from 'typeorm';
import { id, integer, text } from '../shared/columns';

/** Customers related to a partner, split over shards by customer so that writers rarely wait for one row. */
@Entity('relationship_counts')
export class RelationshipCount {
  @PrimaryColumn(id())
  partnerId!: string;

  @PrimaryColumn(integer())
  shard!: number;

  @Column(integer())
  customers!: number;
}

/** A partner's customers whose status rests on an acceptance of one template, by shard. */
@Entity('current_acceptance_counts')
export class CurrentAcceptanceCount {
  @PrimaryColumn(id())
  partnerId!: string;

  @PrimaryColumn(text(40))
  agreementType!: string;

  @PrimaryColumn(id())
  templateId!: string;

  @PrimaryColumn(integer())
  shard!: number;

  @Column(integer())
  customers!: number;
}

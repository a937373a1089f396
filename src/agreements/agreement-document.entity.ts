import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { id, integer, references, text } from '../shared/columns';

/**
 * The text of an agreement version for one country and language: where a
 * person reads it and where a program downloads it. A version carries one per
 * country and language; `ordinal` keeps the order they were published in,
 * which decides a country's first language (see documents.ts).
 */
@Entity('agreement_documents')
@ObjectType('AgreementDocument', { description: 'The text of an agreement version for one country and language.', simpleResolvers: true })
export class AgreementDocument {
  @PrimaryColumn(id())
  @ForeignKey('agreement_templates', references('fk_agreement_documents_template_id'))
  templateId!: string;

  @PrimaryColumn(text(2))
  @Field(() => String, { description: 'ISO 3166-1 alpha-2, upper case.' })
  country!: string;

  @PrimaryColumn(text(35))
  @Field(() => String, { description: 'BCP 47 tag, e.g. en-US, de-DE.' })
  language!: string;

  /** Place among the version's documents (0 first), as published. */
  @Column(integer())
  ordinal!: number;

  @Column(text(500))
  @Field(() => String, { description: 'Where a person reads it.' })
  displayUri!: string;

  @Column(text(500))
  @Field(() => String, { description: 'Where a program downloads it.' })
  downloadUri!: string;
}

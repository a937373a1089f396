import { createUnionType, Field, Int, ObjectType } from 'type-graphql';
import { Acceptance } from './acceptance.entity';

@ObjectType({ simpleResolvers: true, description: 'Why one item of a bulk request was refused.' })
export class AcceptanceProblem {
  @Field(() => Int, { description: 'Position of the item in the request, from 0.' })
  index!: number;

  @Field(() => String, { description: 'The same codes as the single mutations.' })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: 'Input path of the offending field, when one is to blame.' })
  field!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class AcceptanceSuccess {
  @Field(() => Int)
  index!: number;

  @Field(() => Acceptance)
  acceptance!: Acceptance;
}

/** Which member of BulkAcceptanceResult an item is, by name (synchronous, as compiled execution needs). */
export const bulkResultTypeName = (result: AcceptanceSuccess | AcceptanceProblem) =>
  'acceptance' in result ? 'AcceptanceSuccess' : 'AcceptanceProblem';

export const BulkAcceptanceResult = createUnionType({
  name: 'BulkAcceptanceResult',
  types: () => [AcceptanceSuccess, AcceptanceProblem] as const,
  resolveType: bulkResultTypeName,
});

@ObjectType({ simpleResolvers: true })
export class BulkAcceptancePayload {
  @Field(() => [BulkAcceptanceResult], { description: 'One result per input item, in input order.' })
  results!: (AcceptanceSuccess | AcceptanceProblem)[];

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;
}

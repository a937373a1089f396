import { Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { OpenToAnySignedInCaller } from './guard';
import { Role } from './roles';
import type { Context } from '../graphql/context';
import { Partner } from '../partners/partner.entity';

@ObjectType({ description: 'The signed-in caller.', simpleResolvers: true })
export class Viewer {
  @Field(() => ID)
  userId!: string;

  @Field(() => [Role])
  roles!: Role[];

  @Field(() => Partner)
  partner!: Partner;
}

@Resolver()
export class ViewerResolver {
  @Query(() => Viewer, { description: 'Open to any signed-in caller.' })
  @OpenToAnySignedInCaller()
  me(@Ctx() { caller }: Context): Viewer {
    return { userId: caller.userId, roles: [...caller.roles], partner: caller.partner };
  }
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { id, text } from '../shared/columns';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PartnerType {
  DIRECT_BILL = 'DIRECT_BILL',
  INDIRECT_PROVIDER = 'INDIRECT_PROVIDER',
  INDIRECT_RESELLER = 'INDIRECT_RESELLER',
}
registerEnumType(PartnerType, { name: 'PartnerType' });

export enum CloudInstance {
  PUBLIC = 'PUBLIC',
  CHINA_21VIANET = 'CHINA_21VIANET',
  GERMANY = 'GERMANY',
  US_GOVERNMENT = 'US_GOVERNMENT',
}
registerEnumType(CloudInstance, { name: 'CloudInstance', description: 'The Partner Center instance a partner operates in.' });

/** A CSP partner: the tenant a caller's token belongs to (`tid`). */
@Entity('partners')
@ObjectType({ simpleResolvers: true })
export class Partner {
  @PrimaryColumn(id())
  @Field(() => ID)
  id!: string;

  @Column(text(200))
  @Field(() => String)
  name!: string;

  @Column(text(32))
  @Field(() => PartnerType)
  type!: PartnerType;

  @Column(text(32))
  @Field(() => CloudInstance)
  cloud!: CloudInstance;
}

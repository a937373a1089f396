import { Column } from 'typeorm';
import { text } from '../shared/columns';
import { Field, InputType, ObjectType } from 'type-graphql';
import { badInput } from '../shared/errors';
import { requireVisibleText } from '../shared/validation';

/** A person at the customer. Embedded in customers (primary contact) and acceptances (who accepted). */
@ObjectType({ simpleResolvers: true })
export class Contact {
  @Column(text(100))
  @Field(() => String)
  firstName!: string;

  @Column(text(100))
  @Field(() => String)
  lastName!: string;

  @Column(text(254))
  @Field(() => String)
  email!: string;

  @Column(text(32, { nullable: true }))
  @Field(() => String, { nullable: true })
  phoneNumber!: string | null;
}

@InputType()
export class ContactInput {
  @Field(() => String)
  firstName!: string;

  @Field(() => String)
  lastName!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  phoneNumber?: string | null;
}

// The WHATWG (HTML) e-mail grammar, with at least one dot in the domain.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
const PHONE = /^[0-9 +\-().]*[0-9][0-9 +\-().]*$/;

/**
 * The contact rules (README, "Contacts"): names 1..100 characters after trimming, a valid
 * e-mail address of at most 254, an optional phone of digits, spaces and + - ( ) .
 * (at most 32); no control, invisible or direction-changing characters in any.
 * Returns the contact as stored: trimmed, empty phone as none.
 * `path` names the input ("input.acceptedBy") in the error's `field`.
 */
export function validContact(input: ContactInput, path: string): Contact {
  const firstName = requireVisibleText(input.firstName, `${path}.firstName`, 100);
  const lastName = requireVisibleText(input.lastName, `${path}.lastName`, 100);
  const email = requireVisibleText(input.email, `${path}.email`, 254);
  if (!EMAIL.test(email)) throw badInput(`${path}.email`, 'is not a valid e-mail address.');
  const given = input.phoneNumber;
  if (given !== null && given !== undefined && typeof given !== 'string') throw badInput(`${path}.phoneNumber`, 'must be text.');
  const phoneNumber = given?.trim() ? requireVisibleText(given, `${path}.phoneNumber`, 32) : null;
  if (phoneNumber !== null && !PHONE.test(phoneNumber)) {
    throw badInput(`${path}.phoneNumber`, 'may hold only digits, spaces and + - ( ) .');
  }
  return { firstName, lastName, email, phoneNumber };
}

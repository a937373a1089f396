import { type ClassType, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { badInput } from './errors';

/** The largest page any connection serves (`customers`, `Customer.acceptances`, `auditEvents`). */
export const MAX_PAGE_SIZE = 500;

/** `first` for a page: 1..max, else BAD_USER_INPUT naming the argument. */
export function pageSize(first: number | null | undefined, fallback: number, max: number, field = 'first'): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw badInput(field, `must be between 1 and ${max}.`);
  return size;
}

/** Opaque cursor over a row's sort key. */
export const encodeCursor = (key: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

/** What each part of a sort key is: text, a whole number, or an instant as `toISOString` writes it. */
export type CursorPart = 'string' | 'integer' | 'instant';

const IS_PART: Readonly<Record<CursorPart, (part: unknown) => boolean>> = {
  string: (part) => typeof part === 'string',
  // JSON can write numbers a double cannot hold (1e400 parses as Infinity): only exact integers are keys.
  integer: (part) => Number.isSafeInteger(part),
  instant: (part) => typeof part === 'string' && !Number.isNaN(Date.parse(part)) && new Date(part).toISOString() === part,
};

/** Reads a cursor made by `encodeCursor` with `shape` (what each key part is); BAD_USER_INPUT otherwise. */
export function decodeCursor(cursor: string, shape: readonly CursorPart[], field = 'after'): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badInput(field, 'is not a cursor returned by this API.');
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, i) => !IS_PART[shape[i]](part))) {
    throw badInput(field, 'is not a cursor returned by this API.');
  }
  return key as (string | number)[];
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  readonly edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Counted only when read (when the client selects totalCount), once. */
  readonly totalCount: Promise<number>;
}

/**
 * A Relay page from up to `size + 1` rows in order (the extra row tells that
 * another page follows). `count` runs only if the client selects totalCount.
 */
export function connectionOf<T>(
  rows: T[],
  size: number,
  cursorOf: (node: T) => string,
  afterGiven: boolean,
  count: () => Promise<number>,
): Connection<T> {
  const nodes = rows.slice(0, size);
  let edges: Edge<T>[] | undefined;
  let counted: Promise<number> | undefined;
  // Edges (a cursor for every node) and the count are made only if the client selects them.
  return {
    nodes,
    get edges() {
      return (edges ??= nodes.map((node) => ({ cursor: cursorOf(node), node })));
    },
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: afterGiven,
      startCursor: nodes.length ? cursorOf(nodes[0]) : null,
      endCursor: nodes.length ? cursorOf(nodes[nodes.length - 1]) : null,
    },
    get totalCount() {
      return (counted ??= count());
    },
  };
}

/**
 * The GraphQL types of a connection, `<Name>Edge` and `<Name>Connection`, and
 * the resolver of its totalCount (a promise, which a plain field may not hold
 * under compiled execution); register `ConnectionType(...).Resolver`.
 */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }

  @Resolver(() => ConnectionClass)
  class TotalCountResolver {
    @FieldResolver(() => Int)
    totalCount(@Root() connection: Connection<T>): Promise<number> {
      return connection.totalCount;
    }
  }
  return Object.assign(ConnectionClass, { Resolver: TotalCountResolver });
}

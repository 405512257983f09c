/**
 * Keyset paging for every paged list (core/paged-list.ts): the rows after the cursor's (sort value, ID), ordered by
 * the sort column then the ID, the same direction. The ID breaks ties, so a page never repeats or skips a row.
 */
import { sql, type Expression, type SelectQueryBuilder } from 'kysely';

export interface KeysetPage {
  /** the sort column, as a column name or an SQL expression (e.g. coalesce(user_name, '')). */
  column: string | Expression<unknown>;
  /** the row's unique ID column. */
  id: string;
  descending: boolean;
  after?: { value: string | number; id: string | number };
  limit: number;
}

export function keyset<Q extends SelectQueryBuilder<any, any, any>>(query: Q, page: KeysetPage): Q {
  const column = typeof page.column === 'string' ? sql.ref(page.column) : page.column;
  const id = sql.ref(page.id);
  const dir = page.descending ? sql`desc` : sql`asc`;
  let q = query as SelectQueryBuilder<any, any, any>;
  if (page.after) {
    const beyond = page.descending ? sql`<` : sql`>`;
    const { value, id: lastId } = page.after;
    q = q.where(sql<boolean>`(${column} ${beyond} ${value} or (${column} = ${value} and ${id} ${beyond} ${lastId}))`);
  }
  return q.orderBy(sql`${column} ${dir}`).orderBy(sql`${id} ${dir}`).limit(page.limit) as Q;
}

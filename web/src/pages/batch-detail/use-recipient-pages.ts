import type { RecipientObject } from '../../../../shared/contracts/batch-objects.ts';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../../api/client.ts';
import type { AppContext } from '../../app-context.ts';

/** Rows per page of the recipients table. */
export const RECIPIENT_PAGE_SIZE = 50;

export interface RecipientFilters {
  status: string;
  outcome: string;
  /** What the user typed: `+1415…` (the number's start) or digits (its end). */
  phone: string;
}

export const NO_FILTERS: RecipientFilters = { status: '', outcome: '', phone: '' };

export interface RecipientPages {
  rows: RecipientObject[] | null;
  /** Why the page did not load (the last good rows stay shown on a failed refresh). */
  failure: string | null;
  loading: boolean;
  pageNumber: number;
  hasMore: boolean;
  filters: RecipientFilters;
  setFilters(filters: RecipientFilters): void;
  next(): void;
  previous(): void;
}

/**
 * A search as the API takes it: spaces, dashes and brackets dropped (`555-1234` → `5551234`),
 * null when what is left is neither `+` and digits nor digits.
 */
export function phoneQuery(typed: string): string | null {
  const compact = typed.replace(/[\s().-]/g, '');
  if (compact === '') return '';
  return /^\+?[0-9]{1,15}$/.test(compact) ? compact : null;
}

/**
 * The recipients table's data: one page of `listRecipients` at a time, with its filters. The cursors
 * of the pages seen are kept, so "Previous" goes back without the API paging backwards. The page is
 * fetched again whenever `refreshKey` changes (the batch's status or counts moved), so rows follow
 * the calls without the table holding every recipient.
 */
export function useRecipientPages(ctx: AppContext, batchId: string, refreshKey: string): RecipientPages {
  const [filters, setFiltersState] = useState<RecipientFilters>(NO_FILTERS);
  // cursors[i] opens page i (undefined: the first page).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [rows, setRows] = useState<RecipientObject[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const cursor = cursors.at(-1);

  useEffect(() => {
    let disposed = false;
    setLoading(true);
    const phone = phoneQuery(filters.phone) ?? '';
    ctx.api
      .listRecipients(batchId, {
        limit: RECIPIENT_PAGE_SIZE,
        cursor,
        status: filters.status || undefined,
        outcome: filters.outcome || undefined,
        phone: phone || undefined,
      })
      .then(
        (page) => {
          if (disposed) return;
          setRows(page.recipients);
          setNextCursor(page.next_cursor);
          setFailure(null);
        },
        (error: unknown) => {
          if (disposed) return;
          setFailure(
            error instanceof ApiError && error.status === 404
              ? 'There is no such batch.'
              : errorMessage(error),
          );
        },
      )
      .finally(() => {
        if (!disposed) setLoading(false);
      });
    return () => {
      disposed = true;
    };
  }, [batchId, cursor, filters, refreshKey]);

  return {
    rows,
    failure,
    loading,
    pageNumber: cursors.length,
    hasMore: nextCursor !== null,
    filters,
    setFilters(next) {
      setFiltersState(next);
      setCursors([undefined]);
    },
    next() {
      if (nextCursor !== null) setCursors([...cursors, nextCursor]);
    },
    previous() {
      if (cursors.length > 1) setCursors(cursors.slice(0, -1));
    },
  };
}

import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';

/**
 * The page's h1. It takes the focus when the page opens, so keyboard and screen-reader users start
 * there, and names the tab; a heading whose text changes later (a batch's name) renames the tab too.
 */
export function PageHeading({ text }: { text: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${text} · batch-calls`;
  }, [text]);
  useLayoutEffect(() => ref.current?.focus(), []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {text}
    </h1>
  );
}

/** The "← Agents" link above a detail or form page. */
export function BackLink({ href, label }: { href: string; label: string }) {
  return (
    <p>
      <a href={href}>← {label}</a>
    </p>
  );
}

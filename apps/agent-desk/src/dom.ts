/** A tiny element builder, so pages read as markup without a framework. */

type Child = Node | string | null | undefined | false
type Props = Record<string, string | number | boolean | null | undefined | EventListener>

/**
 * `h('a', { href: '/x', class: 'link', onclick: fn }, 'text')`. Keys starting with `on`
 * add listeners; `true` sets an empty attribute; `false`, null and undefined skip it.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (typeof value === 'function') el.addEventListener(key.slice(2), value)
    else if (value === true) el.setAttribute(key, '')
    else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(key, String(value))
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) el.append(child)
  }
  return el
}

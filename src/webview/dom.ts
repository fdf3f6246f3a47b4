/** Small DOM builders the panel's parts share. */

export function element(tag: string, className: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

export function textElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

export function icon(name: string): HTMLElement {
  const node = element('span', `codicon codicon-${name}`);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** The button's copy icon turns into a check mark for a moment. */
export function showCopied(button: HTMLElement): void {
  const glyph = button.querySelector('.codicon-copy');
  if (!glyph) return;
  glyph.classList.replace('codicon-copy', 'codicon-check');
  button.dataset.copied = 'true';
  setTimeout(() => {
    glyph.classList.replace('codicon-check', 'codicon-copy');
    delete button.dataset.copied;
  }, 1500);
}

export function iconButton(name: string, label: string, testId: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.className = 'icon-button';
  button.title = label;
  button.setAttribute('aria-label', label);
  button.dataset.testid = testId;
  button.append(icon(name));
  return button;
}

/**
 * Key combinations as text ("Ctrl+Shift+Z", "ArrowRight", "?"). Letters are upper-cased and carry an
 * explicit Shift; other printable characters already show the effect of Shift ("?" rather than
 * "Shift+/"), so Shift is left out for them. Cmd counts as Ctrl, so macOS users get the usual keys.
 */
export function comboOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): string | null {
  if (['Control', 'Shift', 'Alt', 'Meta', 'AltGraph', 'CapsLock', 'Dead', 'Unidentified'].includes(e.key)) return null;
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push('Ctrl');
  if (e.altKey) parts.push('Alt');
  let name = e.key === ' ' ? 'Space' : e.key;
  if (name.length === 1) {
    if (/^[a-z]$/i.test(name)) {
      name = name.toUpperCase();
      if (e.shiftKey) parts.push('Shift');
    }
  } else if (e.shiftKey) {
    parts.push('Shift');
  }
  parts.push(name);
  return parts.join('+');
}

/** Typing in a field must not trigger annotation shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !['range', 'checkbox', 'radio', 'button', 'color'].includes(target.type);
  return target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable;
}

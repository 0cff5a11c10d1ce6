// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { useAnnotateKeys } from '../composables/useAnnotateKeys';
import { comboOf } from '../lib/keys';
import { setPlatform } from '../platform';
import { createFakeBackend } from '../testing/fake-platform';
import { useAnnotateStore } from './annotate';
import { DEFAULT_BINDINGS, useShortcutsStore } from './shortcuts';

beforeEach(() => {
  localStorage.clear();
  setPlatform(createFakeBackend(2));
  setActivePinia(createPinia());
});

const press = (key: string, mods: Partial<KeyboardEventInit> = {}) => window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, ...mods }));

describe('key combinations', () => {
  it('are named the same way however they are typed', () => {
    expect(comboOf({ key: 'z', ctrlKey: true, metaKey: false, altKey: false, shiftKey: false })).toBe('Ctrl+Z');
    expect(comboOf({ key: 'Z', ctrlKey: true, metaKey: false, altKey: false, shiftKey: true })).toBe('Ctrl+Shift+Z');
    expect(comboOf({ key: 'z', ctrlKey: false, metaKey: true, altKey: false, shiftKey: false })).toBe('Ctrl+Z');
    expect(comboOf({ key: '?', ctrlKey: false, metaKey: false, altKey: false, shiftKey: true })).toBe('?');
    expect(comboOf({ key: 'ArrowRight', ctrlKey: false, metaKey: false, altKey: false, shiftKey: true })).toBe('Shift+ArrowRight');
    expect(comboOf({ key: 'Shift', ctrlKey: false, metaKey: false, altKey: false, shiftKey: true })).toBeNull();
  });
});

describe('shortcut remapping', () => {
  it('persists a new key, takes it away from the action that had it, and survives a restart', async () => {
    const s = useShortcutsStore();
    s.rebind('nextImage', 'N');
    expect(s.bindings.nextImage).toEqual(['N']);
    expect(s.bindings.nextUnannotated).toEqual([]);
    expect(s.lastChange).toMatch(/N now does "Next image" and no longer "Next unannotated image"/);
    await nextTick();
    expect(JSON.parse(localStorage.getItem('sonotl.shortcuts.v1')!).nextImage).toEqual(['N']);

    setActivePinia(createPinia());
    const again = useShortcutsStore();
    expect(again.actionFor('N')).toBe('nextImage');
    expect(again.actionFor('ArrowRight')).toBeUndefined();
    expect(again.bindings.undo).toEqual(DEFAULT_BINDINGS.undo);
    again.resetAll();
    expect(again.bindings).toEqual(DEFAULT_BINDINGS);
  });

  it('refuses Space, which pans', () => {
    const s = useShortcutsStore();
    s.rebind('fit', 'Space');
    expect(s.bindings.fit).toEqual(DEFAULT_BINDINGS.fit);
    expect(s.lastChange).toMatch(/Space/);
  });

  it('drives the annotate store from the keyboard, with remapped keys and while capturing a new one', async () => {
    const store = useAnnotateStore();
    const next = vi.spyOn(store, 'next').mockResolvedValue();
    const undo = vi.spyOn(store, 'undo').mockResolvedValue();
    const redo = vi.spyOn(store, 'redo').mockResolvedValue();
    const fit = vi.fn();
    const Host = defineComponent({
      setup() {
        useAnnotateKeys({ fit });
        return () => h('div');
      },
    });
    const wrapper = mount(Host);
    const s = useShortcutsStore();

    press('ArrowRight');
    press('z', { ctrlKey: true });
    press('Z', { ctrlKey: true, shiftKey: true });
    press('y', { ctrlKey: true });
    press('f');
    expect(next).toHaveBeenCalledTimes(1);
    expect(undo).toHaveBeenCalledTimes(1);
    expect(redo).toHaveBeenCalledTimes(2);
    expect(fit).toHaveBeenCalledTimes(1);

    s.capturing = 'nextImage';
    press('j');
    expect(s.capturing).toBeNull();
    expect(next).toHaveBeenCalledTimes(1);
    press('j');
    press('ArrowRight');
    expect(next).toHaveBeenCalledTimes(2);

    press('?', { shiftKey: true });
    expect(s.sheetOpen).toBe(true);

    // Typing in a field is text, not commands.
    const input = document.createElement('input');
    document.body.appendChild(input);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
    expect(next).toHaveBeenCalledTimes(2);
    wrapper.unmount();
  });
});

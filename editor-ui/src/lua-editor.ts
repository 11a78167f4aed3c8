// CodeMirror 6 with the Lua mode of @codemirror/legacy-modes: an editable
// one for CUSTOM CODE statements and a read-only one for the generated Lua.

import { basicSetup, minimalSetup } from 'codemirror';
import { StreamLanguage } from '@codemirror/language';
import { lua } from '@codemirror/legacy-modes/mode/lua';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

const luaLanguage = StreamLanguage.define(lua);

/** An editable Lua editor in `parent`; `onchange` gets the whole text after each edit. */
export function luaEditor(parent: HTMLElement, code: string, label: string, onchange: (code: string) => void): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: code,
      extensions: [
        basicSetup,
        luaLanguage,
        EditorView.contentAttributes.of({ 'aria-label': label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onchange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

/** A read-only, highlighted view of Lua text; `set` replaces the text. */
export function luaViewer(parent: HTMLElement, label: string): { set(text: string): void; text(): string } {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [minimalSetup, luaLanguage, EditorView.lineWrapping, EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ 'aria-label': label })],
    }),
  });
  return {
    set(text: string) {
      if (text !== view.state.doc.toString()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    text: () => view.state.doc.toString(),
  };
}

/**
 * Reads the call graph of a tfjs-layers model: which layer call consumes which symbolic tensor, in an
 * order where every call comes after the calls producing its inputs. Only the part of the model that
 * the chosen output depends on is kept, so exporting an inner layer (e.g. `out_relu` of a model that
 * also has a classifier head) drops the head.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { SonoError } from '../errors.js';

export type Layer = LayersModel['layers'][number];
/** Keras shape with `null` for the batch (or any unknown) axis. */
export type KerasShape = Array<number | null>;

export interface LayerCall {
  layer: Layer;
  className: string;
  /** tfjs `getConfig()`: camelCase keys (`kernelSize`, `dataFormat`...). */
  config: Record<string, unknown>;
  inputs: string[];
  inputShapes: KerasShape[];
  output: string;
  outputShape: KerasShape;
}

export interface KerasGraph {
  input: { key: string; name: string; shape: KerasShape };
  output: { key: string; shape: KerasShape };
  /** Topological order, InputLayer excluded. */
  calls: LayerCall[];
  /** How many layer calls read each tensor; the graph output counts as one more reader. */
  readers: Map<string, number>;
}

export function tensorKey(t: SymbolicTensor): string {
  return `${t.sourceLayer.name}:${t.nodeIndex}:${t.tensorIndex}`;
}

export function readKerasGraph(model: LayersModel, outputLayer?: string): KerasGraph {
  const output = outputTensor(model, outputLayer);
  const calls: LayerCall[] = [];
  const visited = new Set<string>();
  let input: KerasGraph['input'] | undefined;

  // Explicit stack instead of recursion: deep nets (hundreds of layers) would otherwise risk the JS
  // call-stack limit in constrained workers.
  const stack: Array<{ t: SymbolicTensor; expanded: boolean }> = [{ t: output, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const layer = top.t.sourceLayer;
    const callId = `${layer.name}#${top.t.nodeIndex}`;
    if (visited.has(callId)) {
      stack.pop();
      continue;
    }
    const node = layer.inboundNodes[top.t.nodeIndex];
    if (layer.getClassName() === 'InputLayer') {
      visited.add(callId);
      stack.pop();
      const key = tensorKey(top.t);
      if (input && input.key !== key) {
        throw new SonoError('UNSUPPORTED', `model ${model.name} has several inputs (${input.name}, ${layer.name}); only one is supported`);
      }
      input = { key, name: layer.name, shape: [...top.t.shape] };
      continue;
    }
    if (!top.expanded) {
      top.expanded = true;
      for (const t of [...node.inputTensors].reverse()) stack.push({ t, expanded: false });
      continue;
    }
    visited.add(callId);
    stack.pop();
    if (node.outputTensors.length !== 1) {
      throw new SonoError('UNSUPPORTED', `layer ${layer.name} (${layer.getClassName()}) has ${node.outputTensors.length} outputs; only single-output layers are supported`);
    }
    const out = node.outputTensors[0];
    calls.push({
      layer,
      className: layer.getClassName(),
      config: layer.getConfig() as Record<string, unknown>,
      inputs: node.inputTensors.map(tensorKey),
      inputShapes: node.inputTensors.map((t) => [...t.shape]),
      output: tensorKey(out),
      outputShape: [...out.shape],
    });
  }
  if (!input) throw new SonoError('UNSUPPORTED', `model ${model.name} has no input layer`);

  const readers = new Map<string, number>();
  const addReader = (key: string) => readers.set(key, (readers.get(key) ?? 0) + 1);
  for (const call of calls) call.inputs.forEach(addReader);
  addReader(tensorKey(output));
  return { input, output: { key: tensorKey(output), shape: [...output.shape] }, calls, readers };
}

function outputTensor(model: LayersModel, outputLayer?: string): SymbolicTensor {
  if (outputLayer === undefined) {
    if (model.outputs.length !== 1) {
      throw new SonoError('BAD_INPUT', `model ${model.name} has ${model.outputs.length} outputs; pass outputLayer to choose one`);
    }
    return model.outputs[0];
  }
  const layer = model.layers.find((l) => l.name === outputLayer);
  if (!layer) throw new SonoError('BAD_INPUT', `model ${model.name} has no layer named ${outputLayer}`, outputLayer);
  if (layer.inboundNodes.length !== 1) {
    // A layer shared between calls has one output per call; which one is meant would be a guess.
    throw new SonoError('BAD_INPUT', `layer ${outputLayer} is called ${layer.inboundNodes.length} times; its output is ambiguous`, outputLayer);
  }
  const outs = layer.inboundNodes[0].outputTensors;
  if (outs.length !== 1) throw new SonoError('UNSUPPORTED', `layer ${outputLayer} has ${outs.length} outputs`, outputLayer);
  return outs[0];
}

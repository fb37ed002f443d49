/**
 * Scalar versions of ONNX's channel-preserving ops, for evaluating the constant a removed channel carries
 * (see const-eval.ts). A function returns NaN when the op cannot be evaluated on a scalar; NaN stays NaN.
 */
import type { NodeProto } from 'onnx-buf';
import { sigmoid } from '../../core/scalar.js';

export type Scalar1 = (x: number) => number;
export type Scalar2 = (a: number, b: number) => number;

function floatAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.f : fallback;
}

const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));

/** erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26). */
export function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * The scalar function of a unary op, or undefined when it is not known. `clipBounds` gives Clip's min/max
 * inputs (opset ≥ 11) when they are constants.
 */
export function unaryScalar(node: NodeProto, clipBounds?: { min: number; max: number }): Scalar1 | undefined {
  const alpha = (d: number) => floatAttr(node, 'alpha', d);
  switch (node.opType) {
    case 'Identity': case 'Dropout': return (x) => x;
    case 'Cast': {
      const to = node.attribute.find((a) => a.name === 'to')?.i;
      return to === 1n || to === 10n || to === 11n || to === 16n ? (x) => x : undefined;
    }
    case 'Relu': return (x) => (x > 0 ? x : x <= 0 ? 0 : NaN);
    case 'Sigmoid': return sigmoid;
    case 'Tanh': return Math.tanh;
    case 'HardSigmoid': { const a = alpha(0.2), b = floatAttr(node, 'beta', 0.5); return (x) => Math.min(1, Math.max(0, a * x + b)); }
    case 'HardSwish': return (x) => x * Math.min(1, Math.max(0, x / 6 + 0.5));
    case 'LeakyRelu': { const a = alpha(0.01); return (x) => (x >= 0 ? x : a * x); }
    case 'Clip': {
      const lo = clipBounds?.min ?? floatAttr(node, 'min', -Infinity), hi = clipBounds?.max ?? floatAttr(node, 'max', Infinity);
      return (x) => (Number.isNaN(x) ? NaN : Math.min(hi, Math.max(lo, x)));
    }
    case 'Elu': { const a = alpha(1); return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)); }
    case 'Selu': {
      const a = alpha(1.67326319217681884765625), g = floatAttr(node, 'gamma', 1.05070102214813232421875);
      return (x) => g * (x > 0 ? x : a * (Math.exp(x) - 1));
    }
    case 'Celu': { const a = alpha(1); return (x) => Math.max(0, x) + Math.min(0, a * (Math.exp(x / a) - 1)); }
    case 'Softplus': return softplus;
    case 'Softsign': return (x) => x / (1 + Math.abs(x));
    case 'Mish': return (x) => x * Math.tanh(softplus(x));
    case 'Gelu': {
      const tanh = node.attribute.find((a) => a.name === 'approximate')?.s;
      if (tanh && new TextDecoder().decode(tanh) === 'tanh') return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    }
    case 'ThresholdedRelu': { const a = alpha(1); return (x) => (x > a ? x : x <= a ? 0 : NaN); }
    case 'Erf': return erf;
    case 'Exp': return Math.exp;
    case 'Log': return Math.log;
    case 'Neg': return (x) => -x;
    case 'Abs': return Math.abs;
    case 'Sqrt': return Math.sqrt;
    case 'Reciprocal': return (x) => 1 / x;
    case 'Sign': return Math.sign;
    case 'Floor': return Math.floor;
    case 'Ceil': return Math.ceil;
    case 'Round': return (x) => { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; };
    case 'Sin': return Math.sin;
    case 'Cos': return Math.cos;
    default: return undefined;
  }
}

/**
 * The scalar function of an elementwise binary op (applied left to right for the variadic ones), or undefined.
 * Mul by an exact 0 is 0 even when the other operand is unknown (a removed gate of zero closes the product).
 */
export function binaryScalar(op: string): Scalar2 | undefined {
  switch (op) {
    case 'Add': case 'Sum': return (a, b) => a + b;
    case 'Sub': return (a, b) => a - b;
    case 'Mul': return (a, b) => (a === 0 || b === 0 ? 0 : a * b);
    case 'Div': return (a, b) => (a === 0 && b !== 0 ? 0 : a / b);
    case 'Pow': return (a, b) => a ** b;
    case 'Max': return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
    case 'Min': return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
    case 'PRelu': return (x, slope) => (x >= 0 ? x : x < 0 ? slope * x : NaN);
    default: return undefined;
  }
}

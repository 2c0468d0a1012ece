"""Formulas an author writes for per-learner questions, evaluated safely.

A formula is a Python-syntax arithmetic expression over the question's
parameters and a few constants: numbers, names, + - * / and powers, and the
functions in `FUNCTIONS`. It is parsed once when the author saves it (so a
typo is reported then) and evaluated by walking the syntax tree: no `eval`,
no attributes, no calls except the listed functions, and powers bounded so
no formula can keep the server busy.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Final

from cosmostream.learning.errors import BadQuestion

MAX_FORMULA_CHARS: Final = 300
MAX_POWER: Final = 100.0
FUNCTIONS: Final[dict[str, Callable[..., float]]] = {
    "sqrt": math.sqrt,
    "cbrt": math.cbrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "radians": math.radians,
    "degrees": math.degrees,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
    "abs": abs,
    "min": min,
    "max": max,
}
CONSTANTS: Final[dict[str, float]] = {
    "pi": math.pi,
    "G": 6.674_30e-11,  # m³ kg⁻¹ s⁻²
    "c": 299_792_458.0,  # m s⁻¹
    "AU": 149_597_870_700.0,  # m
    "M_sun": 1.988_47e30,  # kg
    "M_earth": 5.972_2e24,  # kg
    "R_earth": 6_371_000.0,  # m (mean)
    "g0": 9.806_65,  # m s⁻²
}
_OPERATORS: Final[dict[type, Callable[[float, float], float]]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def compile_formula(text: str, parameters: set[str]) -> ast.Expression:
    """Parse and check a formula once; BadQuestion says what is wrong."""
    if not text.strip() or len(text) > MAX_FORMULA_CHARS:
        raise BadQuestion(
            f"Write a formula of at most {MAX_FORMULA_CHARS} characters.", field="formula"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise BadQuestion("The formula is not valid arithmetic.", field="formula") from None
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and id(node) not in callees:
            raise BadQuestion(
                f"“{node.id}” is a function: call it, as {node.id}(x).", field="formula"
            )
        if isinstance(node, ast.Name):
            if node.id not in parameters and node.id not in CONSTANTS and node.id not in FUNCTIONS:
                raise BadQuestion(
                    f"The formula uses “{node.id}”, which is not a parameter.", field="formula"
                )
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or node.keywords:
                raise BadQuestion(
                    "The formula calls something that is not a known function.", field="formula"
                )
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                raise BadQuestion("The formula may only contain numbers.", field="formula")
        elif not isinstance(
            node,
            ast.Expression
            | ast.BinOp
            | ast.UnaryOp
            | ast.Load
            | ast.USub
            | ast.UAdd
            | ast.Pow
            | ast.Add
            | ast.Sub
            | ast.Mult
            | ast.Div,
        ):
            raise BadQuestion("The formula may only use + - * / ** and functions.", field="formula")
    return tree


def evaluate(tree: ast.Expression, values: Mapping[str, float]) -> float:
    """The formula's value, or BadQuestion when it has none (division by 0, sqrt(-1), overflow)."""
    try:
        result = _eval(tree.body, values)
    except (ArithmeticError, ValueError, TypeError, LookupError):
        raise BadQuestion(
            "The formula has no value for these parameters.", field="formula"
        ) from None
    if not math.isfinite(result):
        raise BadQuestion("The formula has no finite value for these parameters.", field="formula")
    return result


def _eval(node: ast.expr, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # compile_formula admits numbers only
    if isinstance(node, ast.Name):
        if node.id in values:
            return float(values[node.id])
        return CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if isinstance(node.op, ast.Pow):
            if abs(right) > MAX_POWER:
                raise ValueError("power too large")
            return float(left**right)
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return float(FUNCTIONS[node.func.id](*(_eval(a, values) for a in node.args)))
    raise TypeError(type(node).__name__)  # compile_formula admits nothing else

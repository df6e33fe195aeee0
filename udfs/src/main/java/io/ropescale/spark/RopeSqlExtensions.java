package io.ropescale.spark;

import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Function1;
import scala.Tuple3;
import scala.collection.Seq;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Registers the scaling laws as Spark SQL functions ({@code rope_theta}, {@code rope_critical_dim},
 * ...). Each is a function builder that expands its arguments into built-in expressions
 * ({@link RopeFunctions}) at analysis time: no opaque UDF, so Catalyst constant-folds them and
 * RAPIDS places them on the GPU. Enable with
 * {@code spark.sql.extensions=io.ropescale.spark.RopeSqlExtensions}.
 */
public final class RopeSqlExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

  /** name, usage, arity, body. */
  private record Fn(String name, String usage, int arity, Function<Column[], Column> body) {}

  static final Fn[] FUNCTIONS = {
      new Fn("rope_theta", "rope_theta(base, d, n) - frequency of pair n: base^(-2n/d)", 3,
          a -> RopeFunctions.theta(a[0], a[1], a[2])),
      new Fn("rope_period", "rope_period(base, d, n) - period of pair n: 2pi / theta_n", 3,
          a -> RopeFunctions.period(a[0], a[1], a[2])),
      new Fn("rope_critical_dim",
          "rope_critical_dim(d, train_len, pretrain_base) - Lemma 1 critical dimension (Liu et al. 2024)", 3,
          a -> RopeFunctions.criticalDim(a[0], a[1], a[2])),
      new Fn("rope_critical_dim_tuned",
          "rope_critical_dim_tuned(d, train_len, pretrain_base, tune_len, base) - critical dimension in force"
              + " after tuning: d_extra when base > b_0 (Theorem 2), else 2*ceil((d/2) log_base(tune_len/2pi))", 5,
          a -> RopeFunctions.criticalDimTuned(a[0], a[1], a[2], a[3], a[4])),
      new Fn("rope_critical_dim_tuned_formula",
          "rope_critical_dim_tuned_formula(d, tune_len, base) - 2*ceil((d/2) log_base(tune_len/2pi)) clamped to d,"
              + " whatever the regime", 3,
          a -> RopeFunctions.criticalDimTunedFormula(a[0], a[1], a[2])),
      new Fn("rope_critical_base",
          "rope_critical_base(train_len, tune_len, pretrain_base) - Theorem 3 critical base b_0", 3,
          a -> RopeFunctions.criticalBase(a[0], a[1], a[2])),
      new Fn("rope_extrapolation_bound",
          "rope_extrapolation_bound(d, train_len, pretrain_base, tune_len, base) - Theorems 2-3 bound T_extra", 5,
          a -> RopeFunctions.extrapolationBound(a[0], a[1], a[2], a[3], a[4])),
      new Fn("rope_required_base",
          "rope_required_base(train_len, pretrain_base, target) - base reaching target by Theorem 2", 3,
          a -> RopeFunctions.requiredBase(a[0], a[1], a[2])),
      new Fn("rope_required_base_exact",
          "rope_required_base_exact(d, train_len, pretrain_base, target) - (T/2pi)^(d/d_extra)", 4,
          a -> RopeFunctions.requiredBaseExact(a[0], a[1], a[2], a[3])),
  };

  @Override
  public BoxedUnit apply(SparkSessionExtensions ext) {
    for (Fn fn : FUNCTIONS) {
      ext.injectFunction(new Tuple3<>(
          new FunctionIdentifier(fn.name()),
          new ExpressionInfo(RopeSqlExtensions.class.getName(), null, fn.name(), fn.usage(), "", "", "",
              "math_funcs", io.ropescale.Versions.project(), "", "built-in"),
          builder(fn)));
    }
    return BoxedUnit.UNIT;
  }

  private static Function1<Seq<Expression>, Expression> builder(Fn fn) {
    return new AbstractFunction1<>() {
      @Override
      public Expression apply(Seq<Expression> args) {
        if (args.size() != fn.arity()) {
          throw new IllegalArgumentException(
              fn.name() + " takes " + fn.arity() + " arguments, got " + args.size() + "; usage: " + fn.usage());
        }
        Column[] cols = new Column[fn.arity()];
        for (int i = 0; i < cols.length; i++) {
          cols[i] = new Column(args.apply(i));
        }
        return fn.body().apply(cols).expr();
      }
    };
  }
}

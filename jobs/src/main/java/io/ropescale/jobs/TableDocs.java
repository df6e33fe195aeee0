package io.ropescale.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;

/**
 * The one description of every output table: each column's unit, meaning and the paper equation
 * behind it. Written into the Delta schema as column comments (BI tools show them) and rendered
 * to docs/tables.md ({@code ropescale table-docs}); a column without a description fails the write.
 */
public final class TableDocs {

  public record ColumnDoc(String name, String unit, String meaning) {}

  public record TableDoc(String name, String meaning, List<ColumnDoc> columns) {}

  private static final Map<String, TableDoc> TABLES = new LinkedHashMap<>();

  private static final ColumnDoc RUN_ID = c("run_id", "", "Run identifier; a rerun of the same run_id replaces its rows");
  private static final ColumnDoc MODEL = c("model", "", "Model name (datasets/models.csv, config.json name or spec label)");
  private static final ColumnDoc CONFIG_ID = c("config_id", "",
      "Stable configuration key model/rope_type[xfactor]/T<tune_len>/b<base>; joins every per-configuration table");
  private static final ColumnDoc COMPUTED_AT = c("computed_at", "UTC timestamp", "When the row was computed");

  static {
    table("rope_bounds",
        "Closed-form scaling laws of RoPE-based extrapolation (Liu et al., ICLR 2024), one row per configuration",
        RUN_ID, MODEL, CONFIG_ID,
        c("head_dim", "dims", "Attention head dimension"),
        c("rotary_dim", "dims", "Rotary dimension d = head_dim * partial_rotary_factor; every formula uses it"),
        c("train_len", "tokens", "Pre-training context T_train"),
        c("pretrain_base", "", "Pre-training RoPE base b_pre"),
        c("tune_len", "tokens", "Tuning context T_tune (>= T_train)"),
        c("base", "", "Tuning RoPE base b as configured"),
        c("rope_type", "", "Scaling method (Hugging Face rope_type): default, linear, ntk, dynamic, yarn, llama3, longrope"),
        c("rope_factor", "", "Scaling factor of the method (null for default)"),
        c("effective_base", "", "Base the paper's formulas read: the NTK-scaled base for ntk/dynamic, else base"),
        c("critical_dim", "dims", "Critical dimension d_extra = 2*ceil((d/2) log_{b_pre}(T_train/2pi)), Lemma 1"),
        c("critical_base", "", "Critical base b_0 = b_pre^(log_{T_train/2pi}(T_tune/2pi)), Theorem 3"),
        c("regime", "", "larger-base when effective_base > b_0, else smaller-base"),
        c("extrapolation_bound", "tokens", "T_extra = 2pi * b^(d_extra/d) (larger-base, Theorem 2), else T_tune"),
        c("critical_dim_tuned", "dims", "d'_extra = 2*ceil((d/2) log_b(T_tune/2pi)) clamped to d, section 3.3"),
        c("beta_quarter", "", "b_1 = 2 T_tune/pi: the last pair sees a quarter period"),
        c("beta_half", "", "b_2 = T_tune/pi: half a period"),
        c("beta_full", "", "b_3 = T_tune/2pi: a full period; extrapolation unbounded in theory"),
        c("unbounded", "", "effective_base <= b_3"),
        c("angle_coverage_bound", "tokens",
            "min over non-full pairs of A_n/theta_n, A_n = max(T_train theta_pre_n, T_tune theta_n) (DESIGN.md s.4); null when unbounded"),
        COMPUTED_AT);
    table("runs", "One row per successful run of a ropescale command",
        RUN_ID,
        c("command", "", "The ropescale command (scaling-laws, sweep, attention-profile, ...)"),
        c("spec_name", "", "Sweep spec name (null for commands without a spec)"),
        c("spec_text", "", "The spec as given, verbatim"),
        c("arguments", "", "Command-line arguments"),
        c("started_at", "UTC timestamp", "Start of the run"),
        c("ended_at", "UTC timestamp", "End of the run"),
        c("status", "", "succeeded (a failed run writes no table, by contract)"),
        c("tables", "", "Tables the run wrote, with row counts"),
        c("ropescale_version", "", "ropescale version"),
        c("spark_version", "", "Spark version"),
        c("delta_version", "", "delta-spark version"),
        c("master", "", "Spark master URL"));
  }

  private TableDocs() {}

  static ColumnDoc c(String name, String unit, String meaning) {
    return new ColumnDoc(name, unit, meaning);
  }

  /** Adds a table's documentation; stages call this from their own static initialisers too. */
  public static synchronized void table(String name, String meaning, ColumnDoc... columns) {
    TABLES.put(name, new TableDoc(name, meaning, List.of(columns)));
  }

  public static synchronized List<TableDoc> all() {
    return new ArrayList<>(TABLES.values());
  }

  public static synchronized TableDoc get(String table) {
    TableDoc t = TABLES.get(table);
    if (t == null) {
      throw new IllegalStateException("table " + table + " is not documented in TableDocs");
    }
    return t;
  }

  /** Puts each column's description into its schema metadata ("comment"), in documented order. */
  static Dataset<Row> annotate(String table, Dataset<Row> rows) {
    TableDoc doc = get(table);
    List<String> present = List.of(rows.columns());
    List<Column> cols = new ArrayList<>();
    for (ColumnDoc c : doc.columns()) {
      if (!present.contains(c.name())) {
        throw new IllegalStateException("table " + table + " is missing documented column " + c.name());
      }
      String comment = c.meaning() + (c.unit().isEmpty() ? "" : " [" + c.unit() + "]");
      Metadata md = new MetadataBuilder().putString("comment", comment).build();
      cols.add(rows.col(c.name()).as(c.name(), md));
    }
    for (String p : present) {
      if (doc.columns().stream().noneMatch(c -> c.name().equals(p))) {
        throw new IllegalStateException("table " + table + " has undocumented column " + p);
      }
    }
    return rows.select(cols.toArray(new Column[0]));
  }

  /** docs/tables.md. */
  public static String markdown() {
    StringBuilder md = new StringBuilder("# ropescale tables\n\n")
        .append("Generated by `bin/ropescale table-docs` from `TableDocs.java`; the same text is in each\n")
        .append("Delta table's column comments. Every table lives at `<warehouse>/<table>`, is partitioned by\n")
        .append("`run_id`, and a rerun of a `run_id` replaces that run's rows.\n");
    for (TableDoc t : all()) {
      md.append("\n## `").append(t.name()).append("`\n\n").append(t.meaning()).append(".\n\n")
          .append("| column | unit | meaning |\n| --- | --- | --- |\n");
      for (ColumnDoc c : t.columns()) {
        md.append("| `").append(c.name()).append("` | ").append(c.unit()).append(" | ")
            .append(c.meaning().replace("|", "\\|")).append(" |\n");
      }
    }
    return md.toString();
  }
}

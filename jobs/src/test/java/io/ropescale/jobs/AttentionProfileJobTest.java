package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.attention.AngleCoverage;
import io.ropescale.attention.DecayBound;
import io.ropescale.attention.MarginKernel;
import io.ropescale.attention.PositionBuckets;
import io.ropescale.cli.Main;
import io.ropescale.jobs.SweepSpec.Configuration;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** attention-profile: both engines agree, brute force on small cases, reruns, bad input. */
class AttentionProfileJobTest extends SparkTestBase {
  static final String SPEC = String.join("\n",
      "name: engines",
      "models: [llama2-7b, pythia-6.9b]",
      "bases: [500, 10000, 1000000]",
      "tune_lengths: [4096]",
      "rope_types: [default, {type: yarn, factor: 4}, {type: llama3, factor: 8, low_freq_factor: 1, high_freq_factor: 4}]",
      "attention: {max_position: 9000}",
      "");

  static SweepSpec spec(String text) {
    return SweepSpec.parse(text, "t", home);
  }

  static Map<String, Row> byKey(Dataset<Row> df, String... keys) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : df.collectAsList()) {
      StringBuilder k = new StringBuilder();
      for (String key : keys) {
        k.append(r.<Object>getAs(key)).append('|');
      }
      out.put(k.toString(), r);
    }
    return out;
  }

  @Test
  void enginesProduceTheSameTables() {
    List<Configuration> configs = spec(SPEC).configurations();
    assertEquals(18, configs.size());
    AttentionSettings jvmS = new AttentionSettings(9000, Engine.Choice.JVM);
    AttentionSettings sqlS = new AttentionSettings(9000, Engine.Choice.SQL);
    AttentionProfileJob.Tables jvm = AttentionProfileJob.compute(spark, configs, jvmS);
    AttentionProfileJob.Tables sql = AttentionProfileJob.compute(spark, configs, sqlS);
    assertEquals("jvm", jvm.engine().name());
    assertEquals("sql", sql.engine().name());
    Map<String, Row> pj = byKey(jvm.profile(), "config_id", "bucket");
    Map<String, Row> ps = byKey(sql.profile(), "config_id", "bucket");
    assertEquals(18 * PositionBuckets.count(9000), pj.size());
    assertEquals(pj.keySet(), ps.keySet());
    for (Map.Entry<String, Row> e : pj.entrySet()) {
      Row a = e.getValue();
      Row b = ps.get(e.getKey());
      for (String c : List.of("position_start", "position_end", "positions", "ood_pairs_min", "ood_pairs_max")) {
        assertEquals(a.<Object>getAs(c), b.<Object>getAs(c), e.getKey() + c);
      }
      for (String c : List.of("margin_min", "margin_max", "margin_mean", "decay_min", "decay_max", "decay_mean",
          "ood_pairs_mean")) {
        assertEquals(a.<Double>getAs(c), b.<Double>getAs(c), 1e-9, e.getKey() + c);
      }
    }
    Map<String, Row> bj = byKey(jvm.bounds(), "config_id");
    Map<String, Row> bs = byKey(sql.bounds(), "config_id");
    assertEquals(18, bj.size());
    int negatives = 0;
    for (String k : bj.keySet()) {
      assertEquals(bj.get(k).<Object>getAs("first_negative_margin"), bs.get(k).<Object>getAs("first_negative_margin"), k);
      assertEquals(bj.get(k).<Object>getAs("first_ood_position"), bs.get(k).<Object>getAs("first_ood_position"), k);
      negatives += bj.get(k).isNullAt(bj.get(k).fieldIndex("first_negative_margin")) ? 0 : 1;
    }
    assertTrue(negatives > 0 && negatives < 18, "the cases cross and do not cross: " + negatives);
  }

  @Test
  void firstCrossingsMatchBruteForce() {
    List<Configuration> configs = spec(SPEC).configurations();
    Map<String, Row> bounds = byKey(
        AttentionProfileJob.compute(spark, configs, new AttentionSettings(9000, Engine.Choice.JVM)).bounds(), "config_id");
    for (Configuration c : configs) {
      double[] theta = RopeTypes.theta(c.config());
      double[] a = ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(c.config()), theta, c.config().trainLen(),
          c.config().tuneLen());
      Long neg = null;
      Long ood = null;
      for (long m = 0; m <= 9000 && (neg == null || ood == null); m++) {
        if (neg == null && MarginKernel.direct(theta, m) < 0) {
          neg = m;
        }
        if (ood == null) {
          for (int n = 0; n < theta.length; n++) {
            if (a[n] < 2 * Math.PI && m * theta[n] > a[n]) {
              ood = m;
              break;
            }
          }
        }
      }
      Row r = bounds.get(c.configId() + "|");
      assertEquals(neg, r.<Long>getAs("first_negative_margin"), c.configId());
      assertEquals(ood, r.<Long>getAs("first_ood_position"), c.configId());
    }
  }

  @Test
  void exactBucketsEqualDirectStatistics() {
    SweepSpec s = spec("models: [llama2-7b]\nbases: [10000]\nattention: {max_position: 3000}\n");
    Configuration c = s.configurations().get(0);
    Dataset<Row> profile = AttentionProfileJob.compute(spark, List.of(c),
        new AttentionSettings(3000, Engine.Choice.SQL)).profile();
    double[] theta = RopeTypes.theta(c.config());
    double[] a = ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(c.config()), theta, 4096, 4096);
    AngleCoverage cov = new AngleCoverage(theta, a);
    for (long m : new long[] {0, 1, 7, 100, 1234, 2047}) {
      Row r = profile.where("bucket = " + m).first();
      assertEquals(1L, r.<Long>getAs("positions"));
      assertEquals(MarginKernel.direct(theta, m) / 64, r.<Double>getAs("margin_mean"), 1e-12);
      assertEquals(DecayBound.direct(theta, m), r.<Double>getAs("decay_mean"), 1e-9);
      assertEquals(cov.oodPairs(m), r.<Integer>getAs("ood_pairs_max"));
    }
    assertEquals(1.0, profile.where("bucket = 0").first().<Double>getAs("margin_max"), 0);
    // positions 2048..3000 land in log buckets of width 4 (the last one truncated)
    Row last = profile.orderBy(org.apache.spark.sql.functions.col("bucket").desc()).first();
    assertEquals(PositionBuckets.bucket(3000), (int) last.<Integer>getAs("bucket"));
    assertEquals(3001 - last.<Long>getAs("position_start"), (long) last.<Long>getAs("positions"));
  }

  @Test
  void commandWritesBothTablesIdempotentlyAndRejectsBadInput() throws Exception {
    Path wh = tempWarehouse();
    Path specFile = Files.createTempFile("att", ".yaml");
    Files.writeString(specFile, "models: [llama2-7b]\nbases: [10000, 1000000]\nattention: {max_position: 70000, engine: jvm}\n");
    String[] args = {"attention-profile", "--spec", specFile.toString(), "--warehouse", wh.toString(), "--run-id", "ap"};
    assertEquals(0, Main.run(args));
    assertEquals(0, Main.run(args));
    Dataset<Row> b = spark.read().format("delta").load(wh.resolve("attention_bounds").toString());
    assertEquals(2, b.count());
    Row big = b.where("base = 1000000").first();
    assertEquals(70000L, (long) big.<Long>getAs("max_position"));
    // Men et al.: 64K needs base 2.1e6, so base 1e6 turns negative before 70K; brute force says where
    long expected = MarginKernel.firstNegative(RopeTypes.defaultTheta(128, 1e6), 70000);
    assertTrue(expected > 4096);
    assertEquals(expected, (long) big.<Long>getAs("first_negative_margin"));
    // no base change: pairs saw angles up to 4096 theta_n, so 4097 is the first OOD distance
    assertEquals(4097L, (long) b.where("base = 10000").first().<Long>getAs("first_ood_position"));
    long profileRows = spark.read().format("delta").load(wh.resolve("attention_profile").toString()).count();
    assertEquals(2L * PositionBuckets.count(70000), profileRows);
    long v = version(wh, "attention_profile");
    for (String bad : new String[] {"attention: {max_position: 0}", "attention: {max_position: 99999999999}",
        "attention: {engine: gpu}", "attention: {max_positions: 5}", "attention: [1]"}) {
      Files.writeString(specFile, "models: [llama2-7b]\n" + bad + "\n");
      assertEquals(2, Main.run(args), bad);
    }
    assertEquals(2, Main.run("attention-profile", "--spec", specFile.toString(), "--max-position", "-5",
        "--warehouse", wh.toString()));
    assertEquals(v, version(wh, "attention_profile"));
  }

  @Test
  void sqlEnginePlanHasNoUdfOrHigherOrderFunction() {
    List<Configuration> configs = spec(SPEC).configurations().subList(0, 2);
    assertTrue(AttentionEngine.SQL.gpuPlaceable());
    assertFalse(AttentionEngine.JVM.gpuPlaceable());
    String plan = AttentionProfileJob.planForExplain(spark, configs, AttentionEngine.SQL).queryExecution().executedPlan()
        .toString();
    assertFalse(plan.contains("UDF"), plan);
    assertFalse(plan.contains("aggregate("), plan);
    assertTrue(plan.contains("Window"), plan);
  }
}

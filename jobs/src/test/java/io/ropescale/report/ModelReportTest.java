package io.ropescale.report;

import static io.ropescale.report.ReportPageTest.minimal;
import static io.ropescale.report.ReportPageTest.pageData;
import static io.ropescale.report.ReportPageTest.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The "Measured on a real model" section: its charts, their mark counts and the bounds table. */
class ModelReportTest {
  @Test
  void modelSectionDrawsExcessAndLogitCurvesWithTheBoundsTable() throws Exception {
    ReportData d = minimal("llama2-7b");
    List<Map<String, Object>> profile = new ArrayList<>();
    for (String v : List.of("native", "b25000")) {
      for (long t : new long[] {0, 1, 2, 4, 8}) {
        profile.add(row("model", "smollm2-135m", "variant", v, "position_start", t, "position_end", t + 1, "tokens", 3L,
            "excess_mean", v.equals("native") ? 0.0 : 0.1 * t, "excess_lower", null, "excess_upper", null, "nll_mean", 2.0));
      }
    }
    d.put("model_position_profile", profile);
    d.put("model_measured_bounds", List.of(
        row("model", "smollm2-135m", "variant", "native", "measured_bound", null, "measured_lower", null,
            "measured_upper", null, "extrapolation_bound", 8192.0, "measured_over_extrapolation_bound", null,
            "angle_coverage_bound", 8192.0, "first_negative_margin", 3616L, "evaluated_length", 9L, "excess_threshold", 0.25),
        row("model", "smollm2-135m", "variant", "b25000", "measured_bound", 4L, "measured_lower", 3L, "measured_upper", 5L,
            "extrapolation_bound", 8192.0, "measured_over_extrapolation_bound", 4 / 8192.0, "angle_coverage_bound", 8192.0,
            "first_negative_margin", 1694L, "evaluated_length", 9L, "excess_threshold", 0.25)));
    d.put("model_logit_profile", List.of(row("model", "smollm2-135m", "layer", 0, "base", 1e4, "position_start", 1L, "logit", 0.5),
        row("model", "smollm2-135m", "layer", 0, "base", 1e4, "position_start", 2L, "logit", 0.4)));
    d.put("model_margin", List.of(row("base", 1e4, "position_start", 1L, "margin", 0.9),
        row("base", 1e4, "position_start", 2L, "margin", 0.8)));
    String html = new ReportPage(d).html();
    JsonNode data = pageData(html);
    List<String> charts = new ArrayList<>();
    List<Integer> marks = new ArrayList<>();
    data.get("charts").forEach(c -> {
      charts.add(c.get("id").asText());
      marks.add(c.get("minMarks").asInt());
    });
    int i = charts.indexOf("chart-model-excess");
    assertTrue(i >= 0, charts.toString());
    assertEquals(8, marks.get(i)); // the line points with t >= 1: 4 per variant
    assertEquals(4, marks.get(charts.indexOf("chart-model-logits")));
    assertTrue(html.contains("<section id=\"model\">"));
    assertTrue(html.contains("Measured on a real model"));
    assertTrue(html.contains("<td>b25000</td><td>4</td><td>3 – 5</td><td>8192</td><td>0.00</td>"), html);
    assertTrue(html.contains("<td>native</td><td>did not break</td>"));
  }
}

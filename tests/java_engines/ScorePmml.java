import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.EvaluatorUtil;
import org.jpmml.evaluator.FieldValue;
import org.jpmml.evaluator.InputField;
import org.jpmml.evaluator.LoadingModelEvaluatorBuilder;
import org.jpmml.evaluator.OutputField;

/**
 * Scores a CSV file with a PMML document in a plain Java program, the way a Java service embeds
 * a pmmlkit-written model:
 *
 * <pre>java -cp CLASSPATH ScorePmml pmml4s|jpmml MODEL.pmml INPUT.csv &gt; OUTPUT.csv</pre>
 *
 * INPUT.csv has a header naming the model's input fields; an empty cell is a missing value; cells
 * are plain (no quoting). OUTPUT.csv has one column per output field of the model and one row
 * per input row (an empty cell for a missing result).
 */
public final class ScorePmml {

    private ScorePmml() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !(args[0].equals("pmml4s") || args[0].equals("jpmml"))) {
            System.err.println("usage: java ScorePmml pmml4s|jpmml MODEL.pmml INPUT.csv");
            System.exit(2);
        }
        List<Map<String, String>> rows = readCsv(new File(args[2]));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (args[0].equals("pmml4s")) {
            scoreWithPmml4s(new File(args[1]), rows, out);
        } else {
            scoreWithJpmml(new File(args[1]), rows, out);
        }
        out.flush();
    }

    /** PMML4S (Apache-2.0): values in inputNames() order, numbers as Double, missing as null. */
    static void scoreWithPmml4s(File pmml, List<Map<String, String>> rows, PrintStream out) throws IOException {
        org.pmml4s.model.Model model = org.pmml4s.model.Model.fromFile(pmml.getPath());
        String[] inputs = model.inputNames();
        org.pmml4s.metadata.Field[] fields = model.inputFields();
        String[] outputs = model.outputNames();
        out.println(String.join(",", outputs));
        for (Map<String, String> row : rows) {
            Object[] values = new Object[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                String cell = row.get(inputs[i]);
                boolean numeric = fields[i].dataType().isNumeric();
                values[i] = cell == null || cell.isEmpty() ? null : numeric ? (Object) Double.valueOf(cell) : cell;
            }
            Object[] result = model.predict(values);
            List<String> cells = new ArrayList<>();
            for (Object value : result) {
                cells.add(text(value));
            }
            out.println(String.join(",", cells));
        }
    }

    /** JPMML-Evaluator: each input prepared from its text by the evaluator, results decoded. */
    static void scoreWithJpmml(File pmml, List<Map<String, String>> rows, PrintStream out) throws Exception {
        Evaluator evaluator = new LoadingModelEvaluatorBuilder().load(pmml).build();
        evaluator.verify(); // the document's own ModelVerification rows, when it has them
        List<String> outputs = new ArrayList<>();
        for (OutputField field : evaluator.getOutputFields()) {
            outputs.add(field.getName());
        }
        out.println(String.join(",", outputs));
        for (Map<String, String> row : rows) {
            Map<String, FieldValue> arguments = new LinkedHashMap<>();
            for (InputField field : evaluator.getInputFields()) {
                String cell = row.get(field.getName());
                arguments.put(field.getName(), field.prepare(cell == null || cell.isEmpty() ? null : cell));
            }
            Map<String, ?> results = EvaluatorUtil.decodeAll(evaluator.evaluate(arguments));
            List<String> cells = new ArrayList<>();
            for (String name : outputs) {
                cells.add(text(results.get(name)));
            }
            out.println(String.join(",", cells));
        }
    }

    static String text(Object value) {
        if (value == null || (value instanceof Double && ((Double) value).isNaN())) {
            return "";
        }
        return value.toString();
    }

    static List<Map<String, String>> readCsv(File csv) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(csv.toPath(), StandardCharsets.UTF_8)) {
            String[] header = reader.readLine().split(",", -1);
            String line;
            while ((line = reader.readLine()) != null) {
                String[] cells = line.split(",", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.length; i++) {
                    row.put(header[i], i < cells.length ? cells[i] : "");
                }
                rows.add(row);
            }
        }
        return rows;
    }
}

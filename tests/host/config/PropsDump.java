// Prints a .properties file as Java's Properties.load(InputStream) reads it
// (as Kafka Connect's connect-standalone reads its files): a JSON object of
// the entries, sorted by key, UTF-8. Run with `java PropsDump.java FILE`.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class PropsDump {
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws IOException {
    Properties p = new Properties();
    try (InputStream in = new FileInputStream(args[0])) {
      p.load(in);
    } catch (IllegalArgumentException e) {
      System.out.print("ERROR " + e.getMessage());
      return;
    }
    StringBuilder out = new StringBuilder("{");
    for (String k : new TreeSet<>(p.stringPropertyNames())) {
      if (out.length() > 1) out.append(',');
      out.append(quote(k)).append(':').append(quote(p.getProperty(k)));
    }
    out.append('}');
    System.out.write(out.toString().getBytes(StandardCharsets.UTF_8));
    System.out.flush();
  }
}

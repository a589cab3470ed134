import { redirect } from "next/navigation";

// The Gateway dashboard lists, enables, removes and registers models; this old address leads there.
export default function ModelsPage() {
  redirect("/gateway");
}

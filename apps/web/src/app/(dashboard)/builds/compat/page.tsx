import { CompatView } from "@/components/builds/CompatView";

export default function Page() {
  return <CompatView />;
}
